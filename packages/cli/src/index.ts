export { serveCommand } from "./commands/serve.js"
export { simCommand } from "./commands/sim.js"
