/** @module Real shares made with the envelope, for the page measurements that must decrypt. */
import { createShare } from '@secretsentry/envelope'

/** Creates a 1-view text share on the server and returns its link fragment. */
export async function createTextShareFragment(origin: string, text: string): Promise<string> {
  const { fragment, request } = await createShare(
    { kind: 'text', text },
    { ttlSeconds: 3600, maxViews: 1 },
  )
  const res = await fetch(`${origin}/api/share`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(request),
  })
  if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`)
  await res.arrayBuffer()
  return fragment
}
