/** @module Vitest: component tests in jsdom with the app's own Vite config (build tests opt into node per file). */
import { defineConfig, mergeConfig } from 'vitest/config'
import viteConfig from './vite.config.ts'

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      environment: 'jsdom',
      include: ['src/**/*.test.ts', 'build/**/*.test.ts'],
      restoreMocks: true,
      unstubGlobals: true,
    },
  }),
)
