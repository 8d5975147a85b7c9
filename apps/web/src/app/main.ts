/** @module Entry of the creator's app: create page and "My links" (router + Pinia). */
import { createPinia } from 'pinia'
import { createApp } from 'vue'
import '../shared/styles/base.css'
import App from './App.vue'
import { router } from './router.ts'

createApp(App).use(createPinia()).use(router).mount('#app')
