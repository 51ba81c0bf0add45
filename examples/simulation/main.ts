/**
 * `npm run simulate -- --runs N --seed S`: the simulation of every example and
 * every operation's workflow, longer than CI runs it. Prints, per workflow,
 * the runs and faults, and for each run that broke an invariant its seed and
 * its shrunk schedule; exits with 1 if any did.
 *
 *   --runs N        random runs per workflow (default 200), after a crash at every checkpoint boundary
 *   --seed S        the seed of the first run of each workflow (default: a random one, printed)
 *   --only TEXT     only the workflows whose name contains TEXT
 *   --faults K,K    only these fault kinds (default: every kind; a workflow still leaves out the kinds its
 *                   catalog entry says it legitimately does not survive)
 */
import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { Simulation } from "@effect-durable/testing"
import { examples, operations } from "./catalog.ts"

const simulate = Command.make(
  "simulate",
  {
    runs: Flag.Int("runs").pipe(Flag.withDescription("random runs per workflow"), Flag.withDefault(200)),
    seed: Flag.Int("seed").pipe(Flag.withDescription("seed of the first run of each workflow"), Flag.optional),
    only: Flag.String("only").pipe(Flag.withDescription("only the workflows whose name contains this"), Flag.optional),
    faults: Flag.String("faults").pipe(
      Flag.withDescription(`only these fault kinds, comma-separated (${Simulation.faultKinds.join(", ")})`),
      Flag.optional
    )
  },
  Effect.fn(function*({ faults: kinds, only, runs, seed }) {
    const first = Option.getOrElse(seed, () => Math.floor(Math.random() * 2 ** 32))
    const faults = Option.match(kinds, {
      onNone: () => Simulation.faultKinds,
      onSome: (list) => Simulation.faultKinds.filter((kind) => list.split(",").map((k) => k.trim()).includes(kind))
    })
    if (faults.length === 0) return yield* Effect.fail(new Error(`no known fault kind in --faults`))
    const entries = [...examples, ...operations].filter((entry) =>
      Option.match(only, { onNone: () => true, onSome: (text) => entry.name.includes(text) })
    )
    yield* Console.log(`simulating ${entries.length} workflows: ${runs} random runs each from seed ${first}`)
    yield* Console.log(`fault kinds: ${faults.join(", ")}\n`)
    let failed = 0
    let total = { runs: 0, faults: 0 }
    for (const entry of entries) {
      const started = Date.now()
      const reports = yield* Effect.all([entry.exhaustive, entry.random({ runs, seed: first, faults })]).pipe(
        Effect.map((reports) => ({ reports, error: undefined })),
        Effect.catchTag("SimulationError", (error) =>
          Effect.succeed({ reports: error.report === undefined ? [] : [error.report], error }))
      )
      const counted = reports.reports.reduce((n, r) => ({ runs: n.runs + r.runs, faults: n.faults + r.faults }), {
        runs: 0,
        faults: 0
      })
      total = { runs: total.runs + counted.runs, faults: total.faults + counted.faults }
      const status = reports.error === undefined ? "ok" : "FAILED"
      yield* Console.log(
        `${status.padEnd(6)} ${entry.name}: ${counted.runs} runs, ${counted.faults} faults (${Date.now() - started} ms)`
      )
      if (reports.error !== undefined) {
        failed++
        yield* Console.log(`\n${reports.error.message}\n`)
      }
    }
    yield* Console.log(`\n${total.runs} runs, ${total.faults} faults; ${failed} of ${entries.length} workflows failed`)
    if (failed > 0) return yield* Effect.fail(new Error(`${failed} workflows broke an invariant`))
  })
).pipe(Command.withDescription("Deterministic simulation of every example and operation workflow"))

simulate.pipe(Command.run({ version: "0.1.0" }), Effect.provide(NodeServices.layer), NodeRuntime.runMain)
