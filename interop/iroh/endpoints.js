// Two real iroh 1.0 endpoints (n0's Node.js bindings of the iroh crate), driven line by line
// from stdin by keyway's interoperability test (RealIrohEndpointTest):
//
//   A listens with the secret key in $A_SECRET (64 hex) on $A_BIND and echoes what it is sent.
//     Its preset is iroh's minimal one: it publishes nothing itself; the test publishes its
//     records through keyway.
//   B uses iroh's n0 preset without relays, i.e. iroh's own DNS address lookup under the origin
//     dns.iroh.link, sent to the nameserver of /etc/resolv.conf (the test points that at keyway).
//
// Commands, one per line:   dial <endpoint id>   |   quit
// Every answer is one JSON line on stdout: {"event": "ready" | "dialled" | "dial_failed" | ...}.
'use strict'
const iroh = require('@number0/iroh')
const readline = require('readline')

const ALPN = Array.from(Buffer.from('keyway/interop/1'))
const DIAL_TIMEOUT_MS = Number(process.env.DIAL_TIMEOUT_MS || 20000)
const say = (o) => process.stdout.write(JSON.stringify(o) + '\n')

async function endpointA() {
  const builder = iroh.Endpoint.builder()
  iroh.presetMinimal(builder)
  builder.secretKey(Array.from(Buffer.from(process.env.A_SECRET, 'hex')))
  builder.alpns([ALPN])
  builder.bindAddr(process.env.A_BIND || '127.0.0.1:0')
  const ep = await builder.bind()
  echo(ep).catch((e) => say({ event: 'a_error', error: String(e) }))
  return ep
}

async function echo(ep) {
  for (;;) {
    const incoming = await ep.acceptNext()
    if (!incoming) return
    const conn = await (await incoming.accept()).connect()
    const bi = await conn.acceptBi()
    const msg = await bi.recv.readToEnd(1024)
    await bi.send.writeAll(Array.from(Buffer.from('echo:')).concat(msg))
    await bi.send.finish()
  }
}

async function endpointB() {
  const builder = iroh.Endpoint.builder()
  iroh.presetN0DisableRelay(builder)
  builder.bindAddr('0.0.0.0:0')
  return builder.bind()
}

function withTimeout(promise, ms) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no connection after ${ms} ms`)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

// Dials `id` with no address at all, so iroh has to look the endpoint up.
async function dial(b, id) {
  const started = Date.now()
  try {
    const target = id.length === 64 ? iroh.EndpointId.fromBytes(Array.from(Buffer.from(id, 'hex')))
      : iroh.EndpointId.fromString(id)
    const conn = await withTimeout(b.connect(new iroh.EndpointAddr(target), ALPN), DIAL_TIMEOUT_MS)
    const bi = await conn.openBi()
    await bi.send.writeAll(Array.from(Buffer.from('hello')))
    await bi.send.finish()
    const reply = Buffer.from(await bi.recv.readToEnd(1024)).toString()
    const known = await b.remoteAddr(target)
    say({
      event: 'dialled', id, ms: Date.now() - started, reply,
      remote: Buffer.from(conn.remoteId().toBytes()).toString('hex'),
      paths: conn.paths().map((p) => p.remoteAddr),
      lookedUp: known ? known.directAddresses() : [],
      lookedUpRelay: known ? known.relayUrl() : null,
    })
    conn.close(0n, Array.from(Buffer.from('done')))
  } catch (e) {
    say({ event: 'dial_failed', id, ms: Date.now() - started, error: String(e && e.message || e) })
  }
}

async function main() {
  const a = await endpointA()
  const b = await endpointB()
  say({
    event: 'ready',
    a: Buffer.from(a.id().toBytes()).toString('hex'),
    aSockets: a.boundSockets(),
    b: Buffer.from(b.id().toBytes()).toString('hex'),
  })
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const [command, arg] = line.trim().split(/\s+/)
    if (command === 'dial') {
      await dial(b, arg)
    } else if (command === 'quit') {
      break
    } else if (command) {
      say({ event: 'unknown_command', line })
    }
  }
  await Promise.allSettled([b.close(), a.close()])
  say({ event: 'closed' })
  process.exit(0)
}

main().catch((e) => {
  say({ event: 'error', error: String(e && e.stack || e) })
  process.exit(1)
})
