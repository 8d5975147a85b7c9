/** Types of node-options.mjs (plain JavaScript so build.mjs runs on bare Node 20). */
export function disableNodeOptions(binary: Buffer): number
