// Real pkarr clients against a relay, for keyway's interoperability test (RealPkarrClientsTest).
// One operation per run; the result is one JSON line on stdout.
//
//   js-put RELAY SEED_HEX TIMESTAMP_US   pkarr@1.3.0 (JS, libsodium, dns-packet) signs a packet
//                                        (an A record at the apex and a TXT at _test) and PUTs it
//   js-get RELAY Z32                     pkarr@1.3.0 GETs, verifies and decodes a packet
//   pubky-publish RELAY SECRET_HEX HOST  the Pubky SDK (Rust pkarr 3.10 in WebAssembly) publishes
//                                        HOST as the key's homeserver (_pubky record); on a
//                                        republish pkarr 3.10 sends If-Match: <timestamp>
//   pubky-resolve RELAY Z32              the Pubky SDK resolves a key's homeserver
//
// Only the relay given is contacted: neither client starts a DHT for these calls.
import { Pkarr, SignedPacket, z32 } from 'pkarr'
import { Client, Keypair, Pubky, PublicKey } from '@synonymdev/pubky'

const say = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const [op, relay, ...args] = process.argv.slice(2)

async function jsPut(seedHex, timestamp) {
  const keypair = Pkarr.generateKeyPair(Buffer.from(seedHex, 'hex'))
  const packet = SignedPacket.fromPacket(keypair, {
    id: 0,
    type: 'response',
    flags: 0,
    answers: [
      { name: '@', type: 'A', ttl: 30, data: '10.1.2.3' },
      { name: '_test', type: 'TXT', ttl: 30, data: ['hello from pkarr-js'] },
    ],
  }, { timestamp: Number(timestamp) })
  const response = await Pkarr.relayPut(relay, packet)
  say({
    status: response.status,
    body: await response.text(),
    z32: z32.encode(keypair.publicKey),
    bytes: Buffer.from(packet.bytes()).toString('hex'),
  })
}

async function jsGet(key) {
  const packet = await Pkarr.relayGet(relay, z32.decode(key))
  say({
    timestamp: packet.timestamp(),
    bytes: Buffer.from(packet.bytes()).toString('hex'),
    answers: packet.packet().answers.map((a) => ({
      name: a.name, type: a.type, ttl: a.ttl,
      data: Array.isArray(a.data) ? a.data.map((d) => Buffer.from(d).toString()) : String(a.data),
    })),
  })
}

function pubky() {
  return Pubky.withClient(new Client({ pkarr: { relays: [relay], request_timeout: 10000 } }))
}

async function pubkyPublish(secretHex, host) {
  const signer = pubky().signer(Keypair.fromSecret(Uint8Array.from(Buffer.from(secretHex, 'hex'))))
  await signer.pkdns.publishHomeserverForce(PublicKey.from(host))
  say({ published: signer.publicKey.z32() })
}

async function pubkyResolve(key) {
  const homeserver = await pubky().getHomeserverOf(PublicKey.from(key))
  say({ homeserver: homeserver ? homeserver.z32() : null })
}

const ops = {
  'js-put': () => jsPut(args[0], args[1]),
  'js-get': () => jsGet(args[0]),
  'pubky-publish': () => pubkyPublish(args[0], args[1]),
  'pubky-resolve': () => pubkyResolve(args[0]),
}
if (!ops[op]) {
  say({ error: `unknown operation ${op}` })
  process.exit(2)
}
ops[op]().then(() => process.exit(0), (e) => {
  say({ error: String(e && (e.message || e.name) || e) })
  process.exit(1)
})
