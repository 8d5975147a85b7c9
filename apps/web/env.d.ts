/** @module Ambient types for Vite client code (import.meta.env, asset imports). */
/// <reference types="vite/client" />
