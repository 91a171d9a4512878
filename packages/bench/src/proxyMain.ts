// The floor any proxy pays: node:http piping each request to the target and its response back,
// over a keep-alive pool, with nothing else (no parsing, no queue, no storage). Runs in its own
// process like foreman does. BENCH_PROXY_TARGET is the upstream base URL, BENCH_PROXY_PORT the port.
import * as Http from "node:http"

const target = new URL(process.env["BENCH_PROXY_TARGET"] ?? "http://127.0.0.1:11434")
const port = Number(process.env["BENCH_PROXY_PORT"] ?? "0")
const agent = new Http.Agent({ keepAlive: true })

const server = Http.createServer((request, response) => {
  const upstream = Http.request(
    {
      host: target.hostname,
      port: target.port,
      method: request.method,
      path: request.url,
      headers: { ...request.headers, host: target.host },
      agent
    },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers)
      answer.pipe(response)
    }
  )
  upstream.once("error", (error) => {
    if (!response.headersSent) response.writeHead(502, { "content-type": "application/json" })
    response.end(JSON.stringify({ error: error.message }))
  })
  request.pipe(upstream)
})

server.keepAliveTimeout = 65_000
server.listen(port, "127.0.0.1", () => {
  process.stdout.write(`bare proxy listening on http://127.0.0.1:${port} -> ${target.origin}\n`)
})

const shutdown = () => {
  server.close()
  server.closeAllConnections()
  agent.destroy()
}
process.once("SIGTERM", shutdown)
process.once("SIGINT", shutdown)
