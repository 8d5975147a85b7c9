/** @module infra/k8s: every manifest validates against the Kubernetes schemas (kubernetes-models), and the Deployment keeps the promised shape: one replica, Recreate, probes, a locked-down pod. */
import fs from 'node:fs'
import path from 'node:path'
import { Deployment } from 'kubernetes-models/apps/v1'
import { PersistentVolumeClaim, Service } from 'kubernetes-models/v1'
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import type { IPersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim'
import type { IService } from 'kubernetes-models/v1/Service'
import { parseAllDocuments } from 'yaml'
import { describe, expect, it } from 'vitest'
import { INFRA, read, shutdownGraceSeconds } from './tools.ts'

const K8S = path.join(INFRA, 'k8s')

function load(file: string): Record<string, unknown> {
  const docs = parseAllDocuments(read(`k8s/${file}`))
  expect(docs).toHaveLength(1)
  expect(docs[0]!.errors).toEqual([])
  return docs[0]!.toJS() as Record<string, unknown>
}

const deployment = load('deployment.yaml') as unknown as IDeployment
const service = load('service.yaml') as unknown as IService
const claim = load('pvc.yaml') as unknown as IPersistentVolumeClaim
const pod = deployment.spec!.template.spec!
const container = pod.containers[0]!

describe('Kubernetes manifests', () => {
  it('validate against the Kubernetes OpenAPI schemas', () => {
    expect(() => new Deployment(deployment).validate()).not.toThrow()
    expect(() => new Service(service).validate()).not.toThrow()
    expect(() => new PersistentVolumeClaim(claim).validate()).not.toThrow()
  })

  it('the check has teeth: a wrong type is refused', () => {
    const broken = structuredClone(deployment) as unknown as {
      spec: {
        replicas: unknown
        template: { spec: { securityContext: { runAsNonRoot: unknown } } }
      }
    }
    broken.spec.template.spec.securityContext.runAsNonRoot = 'true'
    expect(() => new Deployment(broken as unknown as IDeployment).validate()).toThrow(
      /runAsNonRoot/,
    )
  })

  it('the kustomization lists exactly the manifests in the folder', () => {
    const kustomization = load('kustomization.yaml') as { resources: string[] }
    const manifests = fs
      .readdirSync(K8S)
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .sort()
    expect([...kustomization.resources].sort()).toEqual(manifests)
  })

  it('one replica on SQLite, replaced with Recreate so two pods never share the database', () => {
    expect(deployment.spec!.replicas).toBe(1)
    expect(deployment.spec!.strategy).toEqual({ type: 'Recreate' })
    expect(pod.containers).toHaveLength(1)
    expect(read('k8s/deployment.yaml')).toMatch(/ONE replica[\s\S]*PostgreSQL/)
    expect(claim.spec!.accessModes).toEqual(['ReadWriteOnce'])
  })

  it('probes: /healthz for startup and liveness, /readyz for readiness, on the named port', () => {
    expect(container.startupProbe?.httpGet?.path).toBe('/healthz')
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz')
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz')
    for (const probe of [
      container.startupProbe,
      container.livenessProbe,
      container.readinessProbe,
    ]) {
      expect(probe?.httpGet?.port).toBe('http')
    }
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }])
  })

  it('a locked-down pod: non-root, read-only root, no privilege escalation, no capabilities, RuntimeDefault seccomp', () => {
    expect(pod.securityContext?.runAsNonRoot).toBe(true)
    expect(pod.securityContext?.runAsUser).not.toBe(0)
    expect(pod.securityContext?.seccompProfile).toEqual({ type: 'RuntimeDefault' })
    expect(container.securityContext?.readOnlyRootFilesystem).toBe(true)
    expect(container.securityContext?.allowPrivilegeEscalation).toBe(false)
    expect(container.securityContext?.capabilities?.drop).toEqual(['ALL'])
    expect(container.securityContext?.capabilities?.add).toBeUndefined()
    expect(pod.automountServiceAccountToken).toBe(false)
    expect(container.resources?.limits?.memory).toBeDefined()
    expect(container.resources?.requests?.cpu).toBeDefined()
  })

  it('the data volume is the claim, mounted where DATA_DIR points; /tmp is the only other writable place', () => {
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value]))
    expect(env.DATA_DIR).toBe('/data')
    expect(env.HOST).toBe('0.0.0.0')
    expect(env.NODE_OPTIONS).toBe('')
    const mounts = Object.fromEntries(
      (container.volumeMounts ?? []).map((m) => [m.name, m.mountPath]),
    )
    expect(mounts).toEqual({ data: '/data', tmp: '/tmp' })
    const volumes = Object.fromEntries((pod.volumes ?? []).map((v) => [v.name, v]))
    expect(volumes.data?.persistentVolumeClaim?.claimName).toBe(claim.metadata!.name)
    expect(volumes.tmp?.emptyDir).toBeDefined()
  })

  it('the Service selects the pod and targets its port', () => {
    const labels = deployment.spec!.template.metadata!.labels!
    for (const [key, value] of Object.entries(service.spec!.selector!))
      expect(labels[key]).toBe(value)
    expect(deployment.spec!.selector.matchLabels).toEqual(service.spec!.selector)
    expect(service.spec!.ports![0]!.targetPort).toBe('http')
  })

  it("gives the app's graceful stop more time than its grace period", () => {
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(shutdownGraceSeconds())
  })
})
