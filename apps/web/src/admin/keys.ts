/** @module Injection keys the admin page gives its sections: the API (with the CSRF token) and a "something changed" signal for the audit. */
import type { ComputedRef, InjectionKey } from 'vue'
import type { AdminApi } from './admin.api.ts'

export const ADMIN_API: InjectionKey<ComputedRef<AdminApi>> = Symbol('admin-api')
export const AUDIT_CHANGED: InjectionKey<() => void> = Symbol('audit-changed')
