import type { RedisLike } from '../../src/redis/connect'
import { keys, parseKey, poolPrefix } from '../../src/acd/keys'

/**
 * Atomic dump of a pool's ACD state (hashes, sets, sorted sets), for invariant checks. The script
 * names the pool prefix as its key: on a cluster it runs on the master of the pool's slot, whose
 * KEYS holds every key of the pool.
 */
const DUMP = `
local out = {}
for _, k in ipairs(redis.call('KEYS', KEYS[1] .. ':*')) do
  local t = redis.call('TYPE', k).ok
  if t == 'hash' then out[#out + 1] = { k, 'hash', redis.call('HGETALL', k) }
  elseif t == 'zset' then out[#out + 1] = { k, 'zset', redis.call('ZRANGE', k, 0, -1) }
  elseif t == 'set' then out[#out + 1] = { k, 'set', redis.call('SMEMBERS', k) } end
end
return cjson.encode(out)
`

export interface PoolDump {
  hashes: Map<string, Record<string, string>>
  zsets: Map<string, string[]>
  sets: Map<string, string[]>
}

export async function dumpPool(redis: RedisLike, pool: string): Promise<PoolDump> {
  const raw = JSON.parse((await redis.eval(DUMP, 1, poolPrefix(pool))) as string) as [string, string, string[] | Record<string, never>][]
  const d: PoolDump = { hashes: new Map(), zsets: new Map(), sets: new Map() }
  for (const [k, type, v] of raw) {
    const list = Array.isArray(v) ? v : []
    if (type === 'hash') {
      const h: Record<string, string> = {}
      for (let i = 0; i < list.length; i += 2) h[list[i]!] = list[i + 1]!
      d.hashes.set(k, h)
    } else if (type === 'zset') d.zsets.set(k, list)
    else d.sets.set(k, list)
  }
  return d
}

/** Returns every violated invariant of the ACD state (empty when consistent). */
export function checkInvariants(d: PoolDump, pool: string): string[] {
  const bad: string[] = []
  const agents = new Map<string, Record<string, string>>()
  const calls = new Map<string, Record<string, string>>()
  for (const [k, h] of d.hashes) {
    const key = parseKey(pool, k)
    if (key?.name === 'agent') agents.set(key.params[0]!, h)
    if (key?.name === 'call') calls.set(`${key.params[0]}/${key.params[1]}`, h)
  }
  const quals = (a: string) => d.hashes.get(keys.agentQuals(pool, a)) ?? {}
  const stepLists = new Map<string, [string, string[]][]>() // "tenant/queue" -> its queueStep lists
  for (const [k, v] of d.zsets) {
    const key = parseKey(pool, k)
    if (key?.name !== 'queueStep') continue
    const qid = `${key.params[0]}/${key.params[1]}`
    stepLists.set(qid, [...(stepLists.get(qid) ?? []), [k, v]])
  }
  const holders = new Map<string, string>()
  for (const [ref, c] of calls) {
    const [tenant] = ref.split('/') as [string]
    const queue = c['queue']!
    const inSteps = (stepLists.get(`${tenant}/${queue}`) ?? []).filter(([, v]) => v.includes(c['id']!)).map(([k]) => k)
    const inWaiting = (d.zsets.get(keys.queueWaiting(pool, tenant, queue)) ?? []).includes(c['id']!)
    if (c['state'] === 'waiting') {
      if (inSteps.length !== 1 || inSteps[0] !== keys.queueStep(pool, tenant, queue, c['step']!)) bad.push(`waiting call ${ref} is in step lists ${inSteps.join(',') || 'none'} (step ${c['step']})`)
      if (!inWaiting) bad.push(`waiting call ${ref} missing from the position list`)
    } else {
      if (inSteps.length) bad.push(`${c['state']} call ${ref} still in ${inSteps.join(',')}`)
      if (inWaiting) bad.push(`${c['state']} call ${ref} still in the position list`)
    }
    if (c['callback'] && c['state'] !== 'connected' && !(d.zsets.get(keys.queueCallbacks(pool, tenant, queue)) ?? []).includes(c['id']!))
      bad.push(`${c['state']} callback ${ref} missing from the queue's pending callbacks`)
    if (c['state'] === 'retry' && !(d.zsets.get(keys.timers(pool)) ?? []).includes(`cbr|${ref}`)) bad.push(`callback ${ref} waits for a retry that is not scheduled`)
    if (c['state'] === 'retry' && c['agent']) bad.push(`callback ${ref} waiting for a retry still names agent ${c['agent']}`)
    if (c['state'] === 'referred' && !(d.zsets.get(keys.agentReferred(pool, c['referent']!)) ?? []).includes(ref))
      bad.push(`referred call ${ref} not in its referent's list`)
    if (c['state'] === 'reserved') {
      const offered = (c['agents'] ?? '').split(',').filter(Boolean)
      if (!offered.length) bad.push(`reserved call ${ref} has no agents`)
      for (const a of offered) {
        const other = holders.get(a)
        if (other) bad.push(`agent ${a} holds two reservations: ${other} and ${ref}`)
        holders.set(a, ref)
        const ah = agents.get(a)
        if (ah?.['state'] !== 'reserved' || ah['call'] !== ref) bad.push(`call ${ref} offered to ${a} which is ${ah?.['state']} with call ${ah?.['call']}`)
      }
    }
    if (c['state'] === 'connected') {
      const ah = agents.get(c['agent']!)
      if (ah?.['state'] !== 'on-call' || ah['call'] !== ref) bad.push(`connected call ${ref}: agent ${c['agent']} is ${ah?.['state']} with ${ah?.['call']}`)
      const other = holders.get(c['agent']!)
      if (other) bad.push(`agent ${c['agent']} holds ${other} and is connected to ${ref}`)
      holders.set(c['agent']!, ref)
    }
  }
  // each call is in its owner's index, and an index holds only calls its instance owns
  for (const [ref, c] of calls) {
    if (!(d.sets.get(keys.instanceCalls(pool, c['owner']!)) ?? []).includes(ref)) bad.push(`call ${ref} missing from the index of its owner ${c['owner']}`)
  }
  for (const [k, members] of d.sets) {
    const key = parseKey(pool, k)
    if (key?.name !== 'instanceCalls') continue
    for (const ref of members) if (calls.get(ref)?.['owner'] !== key.params[0]) bad.push(`instance ${key.params[0]}'s index names ${ref}, owned by ${calls.get(ref)?.['owner'] ?? 'nobody'}`)
  }
  for (const [k, members] of d.zsets) {
    const key = parseKey(pool, k)
    if (key?.name !== 'queueCallbacks') continue
    const [tenant, queue] = key.params
    for (const id of members) {
      const c = calls.get(`${tenant}/${id}`)
      if (!c?.['callback'] || c['queue'] !== queue) bad.push(`pending callback ${tenant}/${id} of ${queue} is not a callback of that queue`)
    }
  }
  for (const [id, a] of agents) {
    const st = a['state']
    if (st === 'reserved' || st === 'on-call') {
      const c = calls.get(a['call'] ?? '')
      if (!c) bad.push(`agent ${id} is ${st} with a call that does not exist: ${a['call']}`)
      else if (st === 'reserved' && (c['state'] !== 'reserved' || !(c['agents'] ?? '').split(',').includes(id)))
        bad.push(`agent ${id} reserved for ${a['call']} which is ${c['state']} offered to ${c['agents']}`)
      else if (st === 'on-call' && (c['state'] !== 'connected' || c['agent'] !== id)) bad.push(`agent ${id} on-call for ${a['call']} which is ${c['state']}`)
    }
    const q = quals(id)
    for (const [qid, spec] of Object.entries(q)) {
      const [tenant, queue] = qid.split('/') as [string, string]
      const step = Number(spec.split('|')[0])
      const nsteps = Number(spec.split('|')[4])
      const availableKey = keys.queueAvailable(pool, tenant, queue, step)
      const avail = (d.zsets.get(availableKey) ?? []).includes(id)
      if (st === 'available' && !avail) bad.push(`available agent ${id} missing from ${availableKey}`)
      if (st !== 'available' && avail) bad.push(`${st} agent ${id} still listed available in ${qid}`)
      if (!(d.sets.get(keys.queueStaffed(pool, tenant, queue)) ?? []).includes(id)) bad.push(`logged-in agent ${id} not staffed in ${qid}`)
      if (st === 'available') {
        for (let s = step; s < nsteps; s++) {
          const w = d.zsets.get(keys.queueStep(pool, tenant, queue, s)) ?? []
          if (w.length) bad.push(`agent ${id} is available while ${qid} has calls ${w.join(',')} waiting at step ${s}`)
        }
      }
    }
    if (st === 'logged-out' && Object.keys(q).length) bad.push(`logged-out agent ${id} keeps qualifications`)
  }
  return bad
}
