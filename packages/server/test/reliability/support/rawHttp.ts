import { Agent, type IncomingHttpHeaders, type OutgoingHttpHeaders, request } from "node:http"
import { connect } from "node:net"

export interface RawRequest {
  readonly method: string
  /** Sent exactly as given: no normalisation of `..`, no re-encoding. */
  readonly path: string
  readonly headers?: OutgoingHttpHeaders
  readonly body?: Buffer | string | undefined
  /** Send the body with Transfer-Encoding: chunked (no Content-Length), in pieces of this size. */
  readonly chunkSize?: number | undefined
}

export interface RawResponse {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: Buffer
}

/**
 * One HTTP/1.1 request on a fresh connection, with node:http's client: the path and headers go out
 * as given (fetch would normalise the path and refuse some headers). Rejects on a socket error or
 * after `timeoutMs` — for a hostile-input test, a hang is a finding.
 */
export const rawRequest = (port: number, options: RawRequest, timeoutMs = 30_000): Promise<RawResponse> =>
  new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.isBuffer(options.body) ? options.body : Buffer.from(options.body)
    const chunked = options.chunkSize !== undefined
    const headers: OutgoingHttpHeaders = { ...options.headers }
    if (body !== undefined && !chunked && headers["content-length"] === undefined) headers["content-length"] = body.byteLength
    // Said explicitly: node:http only chunks POST/PUT/PATCH bodies by default, and would send a DELETE's unframed.
    if (chunked) headers["transfer-encoding"] = "chunked"
    // A keep-alive connection of its own, as curl or a browser would send: with `Connection: close`
    // a server may answer early (404, 413) and hang up while the body is still being written, and
    // node:http's client then reports EPIPE instead of the answer.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const done = () => {
      clearTimeout(timer)
      agent.destroy()
    }
    const req = request({ host: "127.0.0.1", port, method: options.method, path: options.path, headers, agent })
    const timer = setTimeout(() => {
      req.destroy(new Error(`no answer within ${timeoutMs} ms to ${options.method} ${options.path.slice(0, 200)}`))
    }, timeoutMs)
    req.on("response", (response) => {
      const chunks: Array<Buffer> = []
      response.on("data", (chunk: Buffer) => chunks.push(chunk))
      response.on("error", (error) => {
        done()
        reject(error)
      })
      response.on("end", () => {
        done()
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) })
      })
    })
    req.on("error", (error) => {
      done()
      reject(error)
    })
    if (body !== undefined && chunked) {
      const size = Math.max(1, options.chunkSize ?? 1)
      for (let offset = 0; offset < body.byteLength; offset += size) req.write(body.subarray(offset, offset + size))
      req.end()
    } else {
      req.end(body)
    }
  })

/**
 * Bytes written straight to a socket, for requests node:http refuses to send (bad framing, control
 * characters in headers, unknown methods). Returns the status line's code and everything read.
 */
export const rawSocket = (port: number, bytes: Buffer | string, timeoutMs = 30_000): Promise<{ readonly status: number; readonly raw: string }> =>
  new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`no answer within ${timeoutMs} ms to ${JSON.stringify(bytes.toString().slice(0, 200))}`))
    }, timeoutMs)
    socket.on("connect", () => socket.end(bytes))
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.on("close", () => {
      clearTimeout(timer)
      const raw = Buffer.concat(chunks).toString("latin1")
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1] ?? 0)
      resolve({ status, raw })
    })
  })
