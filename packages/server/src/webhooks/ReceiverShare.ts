import type { OutboxEvent } from "../store/WebhookOutbox.js"

/**
 * Hands out free delivery slots among receivers: each slot goes to the receiver with the fewest
 * deliveries in flight (counting those just handed out), the oldest waiting event first among
 * receivers with as many, and no receiver past `receiverSlots`. So a receiver that hangs or fails holds at most its share,
 * and a receiver with nothing in flight goes first, however long another's backlog.
 * `load` counts the deliveries in flight per receiver; it is updated for every event handed out.
 */
export const shareSlots = (
  candidates: ReadonlyArray<OutboxEvent>,
  free: number,
  receiverSlots: number,
  load: Map<string, number>
): ReadonlyArray<OutboxEvent> => {
  const queues = new Map<string, Array<OutboxEvent>>()
  for (const event of candidates) {
    const queue = queues.get(event.url)
    if (queue === undefined) queues.set(event.url, [event])
    else queue.push(event)
  }
  for (const queue of queues.values()) queue.sort((a, b) => a.eventId < b.eventId ? -1 : 1)
  const chosen: Array<OutboxEvent> = []
  while (chosen.length < free) {
    let best: { readonly queue: Array<OutboxEvent>; readonly head: OutboxEvent; readonly inFlight: number } | undefined
    for (const [url, queue] of queues) {
      const inFlight = load.get(url) ?? 0
      const head = queue[0]
      if (head === undefined || inFlight >= receiverSlots) continue
      // Between receivers with as many in flight, the older waiting event goes first.
      if (best === undefined || inFlight < best.inFlight || (inFlight === best.inFlight && head.eventId < best.head.eventId)) {
        best = { queue, head, inFlight }
      }
    }
    if (best === undefined) break
    best.queue.shift()
    load.set(best.head.url, best.inFlight + 1)
    chosen.push(best.head)
  }
  return chosen
}
