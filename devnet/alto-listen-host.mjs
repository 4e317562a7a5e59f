// Preloaded into the Alto bundler's process (node --import, devnet/alto.ts). Alto 0.0.x listens on
// 0.0.0.0 and has no option for the address (`fastify.listen({ host: "0.0.0.0" })` in its
// rpc/server.js), which would put the devnet's bundler, and the funded executor key behind it, on
// every network the machine is on. Every TCP server this process opens listens on
// SEXTANT_ALTO_LISTEN_HOST instead (127.0.0.1 from the devnet); unix sockets are left alone.
// Plain JavaScript, as Alto's own process runs it, without a TypeScript loader.
import net from 'node:net';

const host = process.env.SEXTANT_ALTO_LISTEN_HOST;
if (host) {
  const listen = net.Server.prototype.listen;
  net.Server.prototype.listen = function listenOnHost(...args) {
    const [first] = args;
    const tcpOptions =
      first !== null && typeof first === 'object' && first.path === undefined && first.handle === undefined;
    if (tcpOptions && first.fd === undefined && !Array.isArray(first)) {
      // listen({ port, host, ... })
      args[0] = { ...first, host };
    } else if (typeof first === 'number' || (typeof first === 'string' && /^\d+$/.test(first))) {
      // listen(port[, host][, backlog][, callback])
      if (typeof args[1] === 'string') args[1] = host;
      else args.splice(1, 0, host);
    }
    return listen.apply(this, args);
  };
}
