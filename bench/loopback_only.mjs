// Preloaded into the reference MCP servers the tests and benchmarks start (node --import): a
// server that calls listen(port) with no host would listen on every interface; this makes it
// 127.0.0.1 only.
//
// The bind stays synchronous, as listen(port) without a host is: servers such as the
// conformance suite's scenarios read server.address().port right after listen(0). (Passing a
// host to listen() would resolve it first and bind a tick later, when address() is still null.)
import net from "node:net";

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === "number" || (typeof args[0] === "string" && /^\d+$/.test(args[0]))) {
    const port = Number(args[0]);
    const callback = args.find((arg) => typeof arg === "function");
    if (callback) {
      this.once("listening", callback);
    }
    // What listen(port) does once it picked the address: bind now, emit "listening" next tick.
    this._listen2("127.0.0.1", port, 4, 511, undefined, 0);
    return this;
  }
  return listen.apply(this, args);
};
