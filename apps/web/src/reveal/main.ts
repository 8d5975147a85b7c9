/** @module Entry of the recipient page /s: no router, no store, no QR code, so it loads fast. */
import { createApp } from 'vue'
import '../shared/styles/base.css'
import RevealPage from './RevealPage.vue'

createApp(RevealPage).mount('#app')
