/**
 * @module The vault's pages, loaded on demand as one chunk when a /vault route is first visited:
 * the create page does not download them, and /s (a separate entry) never imports them.
 */
export { default as VaultLayout } from './VaultLayout.vue'
export { default as VaultLoginView } from './views/VaultLoginView.vue'
export { default as VaultRegisterView } from './views/VaultRegisterView.vue'
export { default as VaultListView } from './views/VaultListView.vue'
export { default as VaultNewView } from './views/VaultNewView.vue'
export { default as VaultSecretView } from './views/VaultSecretView.vue'
export { default as VaultDeletedView } from './views/VaultDeletedView.vue'
export { default as VaultTokensView } from './views/VaultTokensView.vue'
export { default as VaultAuditView } from './views/VaultAuditView.vue'
export { default as VaultAccountView } from './views/VaultAccountView.vue'
export { default as AdminView } from '../admin/AdminView.vue'
