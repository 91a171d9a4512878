export { serveCommand } from "./commands/serve.js"
