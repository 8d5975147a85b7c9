/** @module CreateView follows the instance policy: no form where only accounts may share (a way to log in instead), expiry choices and size within the caps. */
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it } from 'vitest'
import { createMemoryHistory, createRouter } from 'vue-router'
import { routes } from '../router.ts'
import { installFakeShareApi, setFakePolicy } from '../../testing/fake-share-api.ts'
import CreateView from './CreateView.vue'

beforeEach(() => {
  setActivePinia(createPinia())
  localStorage.clear()
  installFakeShareApi()
})

async function mountCreate() {
  const router = createRouter({ history: createMemoryHistory(), routes })
  await router.push('/')
  const w = mount(CreateView, { global: { plugins: [router] } })
  await flushPromises()
  return w
}

const ttlOptions = (w: Awaited<ReturnType<typeof mountCreate>>) =>
  w.findAll('select#ttl option').map((o) => o.text())

describe('CreateView and the instance policy', () => {
  it('anonymous shares on: the form, every expiry, the size limit said', async () => {
    const w = await mountCreate()
    expect(w.find('form').exists()).toBe(true)
    expect(ttlOptions(w)).toEqual(['5 minutes', '1 hour', '1 day', '3 days', '7 days', '30 days'])
    expect(w.find('#secret-hint').text()).toContain('Up to 1.0 MB.')
  })

  it('anonymous shares off and nobody logged in: no form, a way to log in and to register', async () => {
    setFakePolicy({ anonymousShares: false })
    const w = await mountCreate()
    expect(w.find('form').exists()).toBe(false)
    expect(w.find('textarea').exists()).toBe(false)
    expect(w.find('h2').text()).toBe('Log in to create a share')
    const links = w.findAll('a').map((a) => [a.text(), a.attributes('href')])
    expect(links).toEqual([
      ['Log in', '/vault/login?next=/'],
      ['Create an account', '/vault/register'],
    ])
  })

  it('registration closed too: only the way to log in', async () => {
    setFakePolicy({ anonymousShares: false, registration: 'closed' })
    const w = await mountCreate()
    expect(w.findAll('a').map((a) => a.text())).toEqual(['Log in'])
  })

  it('expiry capped: longer choices are not offered and the default comes within the cap', async () => {
    setFakePolicy({ maxExpirySeconds: 86400 })
    const w = await mountCreate()
    expect(ttlOptions(w)).toEqual(['5 minutes', '1 hour', '1 day'])
    expect((w.find('select#ttl').element as HTMLSelectElement).value).toBe('86400')
  })

  it('size capped: a larger secret is refused before any work, saying the limit', async () => {
    setFakePolicy({ maxShareBytes: 1024 })
    const w = await mountCreate()
    expect(w.find('#secret-hint').text()).toContain('Up to 1.0 KB.')
    await w.find('textarea').setValue('x'.repeat(1025))
    expect(w.find('[role="alert"]').text()).toContain('this server takes at most 1.0 KB')
    expect(w.find('button[type="submit"]').attributes('disabled')).toBeDefined()
    await w.find('textarea').setValue('x'.repeat(1024))
    expect(w.find('button[type="submit"]').attributes('disabled')).toBeUndefined()
  })
})
