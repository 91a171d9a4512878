export * from "./commands/index.js"
export { foreman } from "./foreman.js"
