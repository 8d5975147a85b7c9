/** @module JSON Schemas for the OpenAPI document: named schemas (`.meta({ id })`) become components.schemas, referenced from where they are used. */
import * as z from 'zod'

export type JsonSchema = Record<string, unknown>

const LOCAL_DEFS = '#/$defs/'
const COMPONENTS = '#/components/schemas/'

export interface SchemaComponents {
  /** The JSON Schema of a use site; the named schemas in it are moved to the components. */
  schema(schema: z.ZodType): JsonSchema
  /** Every named schema met so far, by name. */
  components(): Record<string, JsonSchema>
}

/**
 * zod writes each conversion as a standalone JSON Schema whose named parts sit in its own `$defs`
 * with `#/$defs/Name` refs. Inside an OpenAPI document those refs resolve against the document
 * root, where there is no `$defs`, so standard tools cannot follow them: the parts are hoisted to
 * `components.schemas` and the refs rewritten to `#/components/schemas/Name`.
 */
export function schemaComponents(): SchemaComponents {
  const components: Record<string, JsonSchema> = {}
  return {
    schema(zodSchema) {
      const converted = z.toJSONSchema(zodSchema, {
        target: 'draft-2020-12',
        io: 'input',
        unrepresentable: 'any',
      }) as JsonSchema
      // The dialect is the document's (OpenAPI 3.1: JSON Schema 2020-12), not restated per schema.
      const { $defs, $schema: _dialect, ...rest } = converted
      for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) {
        const hoisted = relink(def) as JsonSchema
        const known = components[name]
        // Two schemas under one name would silently describe one of them wrongly.
        if (known && JSON.stringify(known) !== JSON.stringify(hoisted))
          throw new Error(`Two different schemas are named ${name}`)
        components[name] = hoisted
      }
      return relink(rest) as JsonSchema
    },
    components: () => components,
  }
}

/** A copy with every `#/$defs/Name` ref pointing at `#/components/schemas/Name`. */
function relink(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relink)
  if (value === null || typeof value !== 'object') return value
  const out: Record<string, unknown> = {}
  for (const [key, inner] of Object.entries(value)) {
    if (key === '$ref' && typeof inner === 'string') {
      // Anything else (a ref to the root of a recursive schema) would not resolve either.
      if (!inner.startsWith(LOCAL_DEFS)) throw new Error(`Unsupported $ref ${inner}`)
      out[key] = COMPONENTS + inner.slice(LOCAL_DEFS.length)
    } else {
      out[key] = relink(inner)
    }
  }
  return out
}
