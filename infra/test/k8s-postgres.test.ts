/** @module infra/k8s/postgres: every manifest validates against the Kubernetes schemas (kubernetes-models), kustomize builds the folder where kubectl exists, and the Deployment keeps the promised shape: two replicas on PostgreSQL and Redis from a Secret, no volume claim, spread over nodes, a disruption budget, the single-instance pod's lockdown. */
import fs from 'node:fs'
import path from 'node:path'
import { Deployment } from 'kubernetes-models/apps/v1'
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import { Service } from 'kubernetes-models/v1'
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment'
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget'
import type { IService } from 'kubernetes-models/v1/Service'
import { parseAllDocuments } from 'yaml'
import { describe, expect, it } from 'vitest'
import { INFRA, read, requireTool, run, shutdownGraceSeconds } from './tools.ts'

const DIR = path.join(INFRA, 'k8s', 'postgres')

function load(file: string): Record<string, unknown> {
  const docs = parseAllDocuments(read(file))
  expect(docs).toHaveLength(1)
  expect(docs[0]!.errors).toEqual([])
  return docs[0]!.toJS() as Record<string, unknown>
}

const deployment = load('k8s/postgres/deployment.yaml') as unknown as IDeployment
const budget = load('k8s/postgres/pdb.yaml') as unknown as IPodDisruptionBudget
const service = load('k8s/postgres/service.yaml') as unknown as IService
const single = load('k8s/deployment.yaml') as unknown as IDeployment
const pod = deployment.spec!.template.spec!
const container = pod.containers[0]!
const singlePod = single.spec!.template.spec!
const singleContainer = singlePod.containers[0]!
const labels = deployment.spec!.template.metadata!.labels!

describe('Kubernetes manifests for PostgreSQL + Redis', () => {
  it('validate against the Kubernetes OpenAPI schemas', () => {
    expect(() => new Deployment(deployment).validate()).not.toThrow()
    expect(() => new PodDisruptionBudget(budget).validate()).not.toThrow()
    expect(() => new Service(service).validate()).not.toThrow()
  })

  it('the check has teeth: a wrong type is refused', () => {
    const broken = structuredClone(budget) as unknown as { spec: { minAvailable: unknown } }
    broken.spec.minAvailable = true
    expect(() =>
      new PodDisruptionBudget(broken as unknown as IPodDisruptionBudget).validate(),
    ).toThrow(/minAvailable/)
  })

  it('the kustomization lists exactly the manifests in the folder', () => {
    const kustomization = load('k8s/postgres/kustomization.yaml') as { resources: string[] }
    const manifests = fs
      .readdirSync(DIR)
      .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .sort()
    expect([...kustomization.resources].sort()).toEqual(manifests)
  })

  const kubectl = requireTool('kubectl', 'kubernetes-client')
  it.skipIf(!kubectl)('`kubectl kustomize` builds the folder into the same three objects', () => {
    const result = run(kubectl!, ['kustomize', DIR])
    expect(result.status, result.stderr).toBe(0)
    const built = parseAllDocuments(result.stdout).map((doc) => doc.toJS() as IDeployment)
    expect(built.map((o) => `${o.kind}/${o.metadata!.name}`).sort()).toEqual([
      'Deployment/secretsentry',
      'PodDisruptionBudget/secretsentry',
      'Service/secretsentry',
    ])
    expect(built.find((o) => o.kind === 'Deployment')).toEqual(deployment)
  })

  it('two replicas, rolled one at a time with a ready pod always kept', () => {
    expect(deployment.spec!.replicas).toBe(2)
    expect(deployment.spec!.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    })
    expect(read('k8s/postgres/deployment.yaml')).toMatch(/managed services/)
  })

  it('DATABASE_URL, REDIS_URL and the server key come from one Secret, required, never as literal values', () => {
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]))
    for (const [name, key] of [
      ['DATABASE_URL', 'database-url'],
      ['REDIS_URL', 'redis-url'],
    ] as const) {
      expect(env[name]?.value, name).toBeUndefined()
      expect(env[name]?.valueFrom?.secretKeyRef, name).toEqual({
        name: 'secretsentry-shared',
        key,
      })
    }
    // The key as a file, from the same Secret, mounted read-only where SERVER_KEY_FILE points.
    const keyVolume = (pod.volumes ?? []).find((v) => v.secret)
    expect(keyVolume?.secret).toEqual({
      secretName: 'secretsentry-shared',
      // 0440: root's file, readable by the pod's fsGroup only.
      defaultMode: 0o440,
      items: [{ key: 'server-key', path: 'server-key' }],
    })
    expect(pod.securityContext?.fsGroup).toBe(pod.securityContext?.runAsGroup)
    const keyMount = (container.volumeMounts ?? []).find((m) => m.name === keyVolume!.name)
    expect(keyMount?.readOnly).toBe(true)
    expect(env.SERVER_KEY_FILE?.value).toBe(`${keyMount!.mountPath}/server-key`)
    expect(env.TRUST_PROXY?.value).toBe('1')
    expect(env.DATA_DIR?.value).toBe('/data')
    // No URL with credentials outside comments (the comments show the format).
    const yamlOnly = read('k8s/postgres/deployment.yaml').replace(/#.*$/gm, '')
    expect(yamlOnly).not.toMatch(/(postgres|postgresql|redis|rediss):\/\//)
  })

  it('no volume claim: DATA_DIR and /tmp are small in-memory emptyDirs, the key a read-only Secret', () => {
    const volumes = pod.volumes ?? []
    expect(volumes.some((v) => v.persistentVolumeClaim)).toBe(false)
    expect(fs.readdirSync(DIR).some((f) => /pvc/i.test(f))).toBe(false)
    const byName = Object.fromEntries(volumes.map((v) => [v.name, v]))
    expect(byName.data?.emptyDir?.medium).toBe('Memory')
    expect(byName.tmp?.emptyDir?.medium).toBe('Memory')
    const mounts = Object.fromEntries(
      (container.volumeMounts ?? []).map((m) => [m.name, m.mountPath]),
    )
    expect(mounts).toEqual({ data: '/data', tmp: '/tmp', 'server-key': '/etc/secretsentry' })
  })

  it('pods spread over nodes (required) and zones (preferred)', () => {
    const spread = pod.topologySpreadConstraints ?? []
    const byKey = Object.fromEntries(spread.map((c) => [c.topologyKey, c]))
    expect(byKey['kubernetes.io/hostname']?.whenUnsatisfiable).toBe('DoNotSchedule')
    expect(byKey['topology.kubernetes.io/zone']?.whenUnsatisfiable).toBe('ScheduleAnyway')
    for (const constraint of spread) {
      expect(constraint.maxSkew).toBe(1)
      expect(constraint.labelSelector?.matchLabels).toEqual(deployment.spec!.selector.matchLabels)
    }
  })

  it('the disruption budget keeps one pod of this Deployment up', () => {
    expect(budget.spec!.minAvailable).toBe(1)
    expect(budget.spec!.minAvailable).toBeLessThan(deployment.spec!.replicas!)
    expect(budget.spec!.selector!.matchLabels).toEqual(deployment.spec!.selector.matchLabels)
  })

  it('probes: /healthz for startup and liveness, /readyz (database and Redis reachable) for readiness', () => {
    expect(container.startupProbe?.httpGet?.path).toBe('/healthz')
    expect(container.livenessProbe?.httpGet?.path).toBe('/healthz')
    expect(container.readinessProbe?.httpGet?.path).toBe('/readyz')
    expect(container.livenessProbe).toEqual(singleContainer.livenessProbe)
    expect(container.readinessProbe).toEqual(singleContainer.readinessProbe)
  })

  it("the pod is locked down exactly like the single instance's", () => {
    expect(pod.securityContext).toEqual(singlePod.securityContext)
    expect(container.securityContext).toEqual(singleContainer.securityContext)
    expect(container.ports).toEqual(singleContainer.ports)
    expect(container.resources).toEqual(singleContainer.resources)
    expect(pod.automountServiceAccountToken).toBe(false)
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(shutdownGraceSeconds())
  })

  it('the Service selects the pods and targets their port', () => {
    for (const [key, value] of Object.entries(service.spec!.selector!))
      expect(labels[key]).toBe(value)
    expect(service.spec!.ports![0]!.targetPort).toBe('http')
  })
})
