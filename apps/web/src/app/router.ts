/** @module Routes of the main app; /s is a separate page (s/index.html), not a route here. */
import { ref } from 'vue'
import { createRouter, createWebHistory } from 'vue-router'
import type { RouteRecordRaw } from 'vue-router'
import { pinnedImport } from './pinned-import.ts'
import CreateView from './views/CreateView.vue'
import LinksView from './views/LinksView.vue'

/**
 * All vault pages come in one lazily loaded chunk, checked against its build-time hash before it
 * runs: it is the code that receives the master password.
 */
const vault = () => pinnedImport('src/vault/index.ts', () => import('../vault/index.ts'))

/** Set when a page's code could not be loaded (or failed its integrity check), for App.vue to say so. */
export const loadFailure = ref<'integrity' | 'other' | null>(null)

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'create', component: CreateView, meta: { title: 'Share a secret' } },
  { path: '/links', name: 'links', component: LinksView, meta: { title: 'My links' } },
  {
    path: '/vault',
    component: () => vault().then((m) => m.VaultLayout),
    children: [
      {
        path: '',
        name: 'vault',
        component: () => vault().then((m) => m.VaultListView),
        meta: { title: 'Vault' },
      },
      {
        path: 'login',
        name: 'vault-login',
        component: () => vault().then((m) => m.VaultLoginView),
        meta: { title: 'Log in', public: true },
      },
      {
        path: 'register',
        name: 'vault-register',
        component: () => vault().then((m) => m.VaultRegisterView),
        meta: { title: 'Create an account', public: true },
      },
      {
        path: 'new',
        name: 'vault-new',
        component: () => vault().then((m) => m.VaultNewView),
        meta: { title: 'New secret' },
      },
      {
        path: 'secrets/:id',
        name: 'vault-secret',
        component: () => vault().then((m) => m.VaultSecretView),
        props: true,
        meta: { title: 'Secret' },
      },
      {
        path: 'deleted',
        name: 'vault-deleted',
        component: () => vault().then((m) => m.VaultDeletedView),
        meta: { title: 'Deleted secrets' },
      },
      {
        path: 'tokens',
        name: 'vault-tokens',
        component: () => vault().then((m) => m.VaultTokensView),
        meta: { title: 'Access tokens' },
      },
      {
        path: 'audit',
        name: 'vault-audit',
        component: () => vault().then((m) => m.VaultAuditView),
        meta: { title: 'Activity' },
      },
      {
        path: 'account',
        name: 'vault-account',
        component: () => vault().then((m) => m.VaultAccountView),
        meta: { title: 'Account' },
      },
    ],
  },
  {
    // In the vault's chunk: one lazily loaded, integrity-pinned bundle for the account pages.
    path: '/admin',
    name: 'admin',
    component: () => vault().then((m) => m.AdminView),
    meta: { title: 'Administration' },
  },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory(), routes })

// Without this the failed navigation would leave an empty page.
router.onError((e: unknown) => {
  loadFailure.value = (e as { code?: unknown }).code === 'integrity_failed' ? 'integrity' : 'other'
})

router.afterEach((to, _from, failure) => {
  if (!failure) loadFailure.value = null
  const title = typeof to.meta['title'] === 'string' ? to.meta['title'] : ''
  document.title = title ? `${title} · SecretSentry` : 'SecretSentry'
})
