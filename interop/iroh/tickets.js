// iroh 1.0's own ticket codec (n0's Node.js bindings), for keyway's interoperability test
// (RealIrohTicketsTest). One operation per run; the result is one JSON line on stdout.
//
//   encode ID_HEX [--relay URL] [--addr IP:PORT]...   iroh's EndpointTicket for that address
//   decode TICKET                                    what iroh reads from a ticket
'use strict'
const iroh = require('@number0/iroh')

const say = (o) => process.stdout.write(JSON.stringify(o) + '\n')
const describe = (addr) => ({
  id: Buffer.from(addr.id().toBytes()).toString('hex'),
  relay: addr.relayUrl(),
  addrs: addr.directAddresses(),
})

function encode(idHex, rest) {
  let relay = null
  const addrs = []
  for (let i = 0; i < rest.length; i += 2) {
    if (rest[i] === '--relay') relay = rest[i + 1]
    else if (rest[i] === '--addr') addrs.push(rest[i + 1])
    else throw new Error(`unknown option ${rest[i]}`)
  }
  const id = iroh.EndpointId.fromBytes(Array.from(Buffer.from(idHex, 'hex')))
  const ticket = iroh.EndpointTicket.fromAddr(new iroh.EndpointAddr(id, relay, addrs))
  say({ ticket: ticket.toString(), ...describe(ticket.endpointAddr()) })
}

function decode(text) {
  say(describe(iroh.EndpointTicket.fromString(text).endpointAddr()))
}

try {
  const [op, ...args] = process.argv.slice(2)
  if (op === 'encode') encode(args[0], args.slice(1))
  else if (op === 'decode') decode(args[0])
  else throw new Error(`unknown operation ${op}`)
} catch (e) {
  say({ error: String(e && e.message || e) })
  process.exit(1)
}
