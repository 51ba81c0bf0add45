/**
 * A cold-start floor (`coldStart.ts`, `coldStartInstructions.ts`): the least machinery the design document
 * asks of an Effect-native durable handler, around the same first checkpoint as the other floors. Effect's
 * floor (`coldStartFloorEffect.ts`) plus what the design names and nothing else:
 * - the checkpoint transport and the scheduler are services (`Context.Service`) built from layers, and run in
 *   a runtime made from them;
 * - the scheduler is `Ref`-backed, and an operation registers a resolver (a `Deferred`) in it and awaits it;
 * - one supervisor fiber, forked for the invocation, owns the timers (here: its warm-up sleep);
 * - the step's body runs in a fiber of its own, its result is encoded with its Schema as JSON, and the
 *   transport's call and the step are spans (`Effect.fn`).
 *
 * No replay, no retries, no batching, no logger, no validation beyond the event's Schema: what this costs
 * over Effect's floor is what the design costs a cold start before any of the work an SDK does with it.
 */
import { CheckpointDurableExecutionCommand, LambdaClient } from "@aws-sdk/client-lambda"
import * as Context from "effect/Context"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as ManagedRuntime from "effect/ManagedRuntime"
import * as Ref from "effect/Ref"
import * as Schema from "effect/Schema"
import { firstCheckpoint } from "./coldStartFloorRequest.ts"

const Event = Schema.Struct({
  DurableExecutionArn: Schema.String,
  CheckpointToken: Schema.String,
  InitialExecutionState: Schema.Struct({ Operations: Schema.Array(Schema.Unknown) })
})
type Event = typeof Event.Type

class CheckpointFailed extends Schema.TaggedError<CheckpointFailed>()("CheckpointFailed", {
  message: Schema.String
}) {}

class Transport extends Context.Service<Transport, {
  readonly checkpoint: (event: Event, payload: string) => Effect.Effect<void, CheckpointFailed>
}>()("floor/Transport") {}

// Made with the handler, as runtime-lambda makes its transport: on Lambda, in the Init phase.
const client = new LambdaClient({})

const transportLayer = Layer.sync(Transport, () => ({
  checkpoint: Effect.fn("Transport.checkpoint")((event: Event, payload: string) =>
    Effect.tryPromise({
      try: () => {
        const input = firstCheckpoint(event)
        const update = { ...input.Updates![0]!, Payload: payload }
        return client.send(new CheckpointDurableExecutionCommand({ ...input, Updates: [update] }))
      },
      catch: (cause) => new CheckpointFailed({ message: String(cause) })
    })
  )
}))

class Scheduler extends Context.Service<Scheduler, {
  readonly register: (id: string) => Effect.Effect<Deferred.Deferred<unknown, unknown>>
  readonly waiting: Effect.Effect<number>
}>()("floor/Scheduler") {}

const schedulerLayer = Layer.effect(
  Scheduler,
  Effect.gen(function*() {
    const resolvers = yield* Ref.make(new Map<string, Deferred.Deferred<unknown, unknown>>())
    return {
      register: (id: string) =>
        Effect.flatMap(Deferred.make<unknown, unknown>(), (deferred) =>
          Effect.as(Ref.update(resolvers, (map) => new Map(map).set(id, deferred)), deferred)),
      waiting: Effect.map(Ref.get(resolvers), (map) => map.size)
    }
  })
)

const encodeGreeting = Schema.encodeEffect(Schema.toCodecJson(Schema.String))

const step = Effect.fn("Durable.step")(function*(event: Event, id: string, body: Effect.Effect<string>) {
  const scheduler = yield* Scheduler
  const transport = yield* Transport
  const resolver = yield* scheduler.register(id)
  yield* Effect.forkChild(
    body.pipe(
      Effect.flatMap(encodeGreeting),
      Effect.flatMap((encoded) => transport.checkpoint(event, JSON.stringify(encoded))),
      Effect.exit,
      Effect.flatMap((exit) => Deferred.done(resolver, exit))
    )
  )
  return yield* Deferred.await(resolver)
})

const supervisor = Effect.gen(function*() {
  const scheduler = yield* Scheduler
  while (true) {
    yield* Effect.sleep(1000)
    if ((yield* scheduler.waiting) > 0) return "PENDING"
  }
})

const decodeEvent = Schema.decodeUnknownEffect(Event)

const invoke = (raw: unknown) =>
  Effect.gen(function*() {
    const event = yield* decodeEvent(raw)
    yield* Effect.forkChild(supervisor)
    yield* step(event, "1", Effect.succeed("Hello, cold!"))
    return { Status: "PENDING" }
  })

const runtime = ManagedRuntime.make(Layer.mergeAll(transportLayer, schedulerLayer))

export const handler = (event: unknown) => runtime.runPromise(invoke(event))
