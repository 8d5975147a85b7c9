/** @module The generated PrivateBin configurations and request bodies, checked against what PrivateBin 2.0.6 requires. */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  findExecutable,
  nginxConf,
  parsePrivateBinAnswer,
  phpFpmArgs,
  phpFpmConf,
  privateBinAvailability,
  privateBinConf,
  privateBinCreateBodies,
} from './privatebin.ts'

/** The ini sections and keys of a generated conf.php, as PHP's parse_ini_file would see them. */
function ini(text: string): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  let section = ''
  for (const line of text.split('\n')) {
    const header = /^\[(\w+)\]$/.exec(line)
    if (header) out[(section = header[1] as string)] = {}
    const pair = /^(\w+) = "?([^"]*)"?$/.exec(line)
    if (pair && section)
      (out[section] as Record<string, string>)[pair[1] as string] = pair[2] as string
  }
  return out
}

describe('privateBinConf', () => {
  it('turns the traffic limiter off, keeps purging rare and stores files in the data directory', () => {
    const conf = ini(privateBinConf('/tmp/x/data'))
    expect(conf.traffic?.limit).toBe('0')
    expect(Number(conf.purge?.limit)).toBeGreaterThanOrEqual(300)
    expect(conf.model?.class).toBe('Filesystem')
    expect(conf.model_options?.dir).toBe('/tmp/x/data')
    // Burn after reading must stay possible; a size limit must admit a 1 KiB secret.
    expect(conf.main?.burnafterreadingselected).toBe('false')
    expect(Number(conf.main?.sizelimit)).toBeGreaterThan(1024 * 1024)
    // PrivateBin refuses to start without these sections.
    for (const section of ['main', 'model', 'model_options']) expect(conf[section]).toBeDefined()
  })
})

describe('phpFpmConf and phpFpmArgs', () => {
  it('runs one static pool on the socket, with the config path in its environment', () => {
    const conf = phpFpmConf({
      prefix: '/tmp/p',
      socket: '/tmp/p/fpm.sock',
      children: 6,
      configDir: '/tmp/p/cfg',
    })
    expect(conf).toContain('listen = /tmp/p/fpm.sock')
    expect(conf).toContain('pm = static')
    expect(conf).toContain('pm.max_children = 6')
    expect(conf).toContain('env[CONFIG_PATH] = /tmp/p/cfg')
    expect(conf).toContain('daemonize = no')
    expect(conf).not.toMatch(/^user = /m)
    expect(
      phpFpmConf({ prefix: '/p', socket: '/s', children: 1, configDir: '/c', user: 'www-data' }),
    ).toMatch(/^user = www-data$/m)
  })

  it('turns opcache on and allows root only when running as root', () => {
    expect(phpFpmArgs('/p/fpm.conf', false)).toEqual([
      '--nodaemonize',
      '--fpm-config',
      '/p/fpm.conf',
      '-d',
      'opcache.enable=1',
      '-d',
      'display_errors=0',
    ])
    expect(phpFpmArgs('/p/fpm.conf', true)).toContain('--allow-to-run-as-root')
  })
})

describe('nginxConf', () => {
  const conf = nginxConf({
    prefix: '/tmp/n',
    port: 8123,
    root: '/srv/pb',
    socket: '/tmp/n/fpm.sock',
  })

  it('listens on loopback only, in the foreground, with its files under the prefix', () => {
    expect(conf).toContain('listen 127.0.0.1:8123;')
    expect(conf).toContain('daemon off;')
    expect(conf).toContain('pid /tmp/n/nginx.pid;')
    expect(conf).toContain('client_body_temp_path /tmp/n/client_body;')
    expect(conf).not.toMatch(/^user /m)
  })

  it('hands PHP to php-fpm with the script path PrivateBin needs, and routes / to index.php', () => {
    expect(conf).toContain('root /srv/pb;')
    expect(conf).toContain('fastcgi_pass unix:/tmp/n/fpm.sock;')
    expect(conf).toContain('fastcgi_param SCRIPT_FILENAME $document_root$fastcgi_script_name;')
    expect(conf).toContain('fastcgi_param REQUEST_METHOD $request_method;')
    expect(conf).toContain('fastcgi_param QUERY_STRING $query_string;')
    expect(conf).toContain('try_files $uri $uri/ /index.php$is_args$args;')
    // Every brace closes: nginx would refuse the file otherwise.
    expect(conf.split('{').length).toBe(conf.split('}').length)
  })
})

describe('privateBinCreateBodies', () => {
  it('builds v2 bodies that pass the checks of lib/FormatV2.php', () => {
    const bodies = privateBinCreateBodies(20, 1024, true)
    const cts = new Set<string>()
    for (const body of bodies) {
      const msg = JSON.parse(body.toString('utf8')) as {
        v: number
        adata: [
          [string, string, number, number, number, string, string, string],
          string,
          number,
          number,
        ]
        ct: string
        meta: Record<string, string>
      }
      expect(Object.keys(msg).sort()).toEqual(['adata', 'ct', 'meta', 'v'])
      expect(msg.v).toBe(2)
      const [iv, salt, iterations, keySize, tagSize, algorithm, mode, compression] = msg.adata[0]
      expect(Buffer.from(iv, 'base64').toString('base64')).toBe(iv)
      expect(iv.length).toBeLessThanOrEqual(24)
      expect(salt.length).toBeLessThanOrEqual(14)
      expect(iterations).toBeGreaterThan(10000)
      expect([128, 192, 256]).toContain(keySize)
      expect([64, 96, 128]).toContain(tagSize)
      expect([algorithm, mode, compression]).toEqual(['aes', 'gcm', 'zlib'])
      expect(msg.adata[3]).toBe(1) // burn after reading
      expect(Buffer.from(msg.ct, 'base64')).toHaveLength(1024 + 16)
      expect(msg.meta).toEqual({ expire: '1week' })
      cts.add(msg.ct)
    }
    // The paste id is a hash of ct: each body needs its own.
    expect(cts.size).toBe(20)
    const plain = JSON.parse(privateBinCreateBodies(1, 64, false)[0]?.toString('utf8') ?? '') as {
      adata: unknown[]
    }
    expect(plain.adata[3]).toBe(0)
  })
})

describe('parsePrivateBinAnswer', () => {
  it('returns the id of a success and the message of a refusal (both HTTP 200)', () => {
    expect(parsePrivateBinAnswer('{"status":0,"id":"0123456789abcdef","url":"/?0123"}')).toEqual({
      id: '0123456789abcdef',
    })
    expect(parsePrivateBinAnswer('{"status":1,"message":"Invalid data."}')).toEqual({
      error: 'Invalid data.',
    })
    expect(parsePrivateBinAnswer('<html>')).toMatchObject({
      error: expect.stringContaining('not JSON'),
    })
  })
})

describe('privateBinAvailability', () => {
  it('names everything that is missing', () => {
    const none = privateBinAvailability(undefined, () => null)
    expect(none.ok).toBe(false)
    if (!none.ok) {
      expect(none.missing).toContain('PRIVATEBIN_DIR is not set')
      expect(none.missing).toContain('php-fpm is not installed')
      expect(none.missing).toContain('nginx is not installed')
    }
    const notCheckout = privateBinAvailability(
      '/nonexistent-privatebin',
      (names) => `/usr/sbin/${names[0]}`,
    )
    expect(notCheckout).toEqual({
      ok: false,
      missing:
        'PRIVATEBIN_DIR=/nonexistent-privatebin holds no PrivateBin checkout (index.php, vendor/autoload.php)',
    })
  })
})

describe('the real servers accept the generated files', () => {
  const nginx = findExecutable(['nginx'])
  const phpFpm = findExecutable(['php-fpm8.2', 'php-fpm'])
  if (!nginx || !phpFpm)
    console.log('nginx -t / php-fpm -t skipped: apt-get install nginx-light php8.2-fpm to run them')
  const root = process.getuid?.() === 0

  it.skipIf(!nginx)('nginx -t passes, and fails on a misspelled directive', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-nginx-test-'))
    try {
      const file = join(dir, 'nginx.conf')
      const conf = nginxConf({ prefix: dir, port: 8123, root: dir, socket: join(dir, 's.sock') })
      const check = (): ReturnType<typeof spawnSync> =>
        spawnSync(nginx as string, ['-t', '-p', dir, '-c', file, '-e', join(dir, 'error.log')], {
          encoding: 'utf8',
        })
      writeFileSync(file, conf)
      const ok = check()
      expect(ok.status, String(ok.stderr)).toBe(0)
      writeFileSync(file, conf.replace('sendfile on;', 'sendfiel on;'))
      expect(check().status).not.toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it.skipIf(!phpFpm)('php-fpm -t passes, and fails on a bad pm setting', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-fpm-test-'))
    try {
      const file = join(dir, 'php-fpm.conf')
      const conf = phpFpmConf({
        prefix: dir,
        socket: join(dir, 's.sock'),
        children: 4,
        configDir: dir,
      })
      const check = (): ReturnType<typeof spawnSync> =>
        spawnSync(phpFpm as string, ['-t', ...phpFpmArgs(file, root)], { encoding: 'utf8' })
      writeFileSync(file, conf)
      const ok = check()
      expect(ok.status, `${String(ok.stdout)}${String(ok.stderr)}`).toBe(0)
      writeFileSync(file, conf.replace('pm = static', 'pm = sometimes'))
      expect(check().status).not.toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
