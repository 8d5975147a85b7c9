/** @module Routes of the creator's app; /s is a separate page (s/index.html), not a route here. */
import { createRouter, createWebHistory } from 'vue-router'
import type { RouteRecordRaw } from 'vue-router'
import CreateView from './views/CreateView.vue'
import LinksView from './views/LinksView.vue'

export const routes: RouteRecordRaw[] = [
  { path: '/', name: 'create', component: CreateView, meta: { title: 'Share a secret' } },
  { path: '/links', name: 'links', component: LinksView, meta: { title: 'My links' } },
  { path: '/:rest(.*)*', redirect: '/' },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.afterEach((to) => {
  const title = typeof to.meta['title'] === 'string' ? to.meta['title'] : ''
  document.title = title ? `${title} · SecretSentry` : 'SecretSentry'
})
