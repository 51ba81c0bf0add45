/**
 * Property-based replay determinism, with `it.effect.prop`:
 *
 * - generated workflows (random trees of steps, waits, children, map and
 *   parallel batches, combinators and callbacks) run under random fault
 *   schedules: every invariant holds, and what each step's code saw of the
 *   steps before it is what they checkpointed;
 * - for generated inputs and callback answers, orders and timings, the
 *   operations a workflow creates are a function of its input and its history:
 *   the same whatever the timings, and the same under faults.
 */
import { Batch, Durable, RetryPolicy, type Workflow } from "@effect-durable/core"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Schema } from "effect"
import { Emulator } from "../src/Emulator.ts"
import * as LocalRunner from "../src/LocalRunner.ts"
import * as Simulation from "../src/Simulation.ts"
import { ciFaults } from "../../../examples/simulation/catalog.ts"

// ---------------------------------------------------------------------------
// Generated workflows
// ---------------------------------------------------------------------------

type Node =
  | { readonly _tag: "Step"; readonly fails: number; readonly atMostOnce: boolean }
  | { readonly _tag: "Wait"; readonly seconds: number }
  | { readonly _tag: "Child"; readonly body: ReadonlyArray<Node> }
  | { readonly _tag: "Map"; readonly items: number; readonly body: ReadonlyArray<Node> }
  | { readonly _tag: "Parallel"; readonly branches: ReadonlyArray<ReadonlyArray<Node>> }
  | {
    readonly _tag: "Combinator"
    readonly kind: "all" | "allSettled" | "any" | "race"
    readonly branches: ReadonlyArray<ReadonlyArray<Node>>
  }
  | { readonly _tag: "Callback"; readonly answer: "succeed" | "fail" | "none"; readonly afterMinutes: number }

const between = (minimum: number, maximum: number) => Schema.Int.check(Schema.isBetween({ minimum, maximum }))
const Body = Schema.Array(Schema.suspend((): Schema.Codec<Node> => Node)).check(Schema.isBetweenLength(1, 3))
const Node: Schema.Codec<Node> = Schema.Union([
  Schema.TaggedStruct("Step", { fails: between(0, 2), atMostOnce: Schema.Boolean }),
  Schema.TaggedStruct("Wait", { seconds: between(1, 7_200) }),
  Schema.TaggedStruct("Child", { body: Body }),
  Schema.TaggedStruct("Map", { items: between(1, 3), body: Body }),
  Schema.TaggedStruct("Parallel", { branches: Schema.Array(Body).check(Schema.isBetweenLength(1, 3)) }),
  Schema.TaggedStruct("Combinator", {
    kind: Schema.Literals(["all", "allSettled", "any", "race"]),
    branches: Schema.Array(Body).check(Schema.isBetweenLength(1, 3))
  }),
  Schema.TaggedStruct("Callback", { answer: Schema.Literals(["succeed", "fail", "none"]), afterMinutes: between(0, 90) })
])
const Tree = Schema.Array(Node).check(Schema.isBetweenLength(1, 4))

/** A short deterministic digest of what a step saw. */
const digest = (text: string): string => {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  return (h >>> 0).toString(16).padStart(8, "0")
}

/**
 * Room for the failures a step is made to have (at most 2) and for the attempts faults cut short (an
 * AtMostOncePerRetry attempt interrupted by a crash is a failed attempt; at most 2 faults per run).
 */
const retry = RetryPolicy.exponential({ maxAttempts: 6, initialDelay: "2 seconds", jitter: "NONE" })

/**
 * Compiles a tree into a workflow. Every step returns `<digest>:<what it saw>`, what it saw being the
 * values of the steps before it in its context: a step that saw something other than what an earlier step
 * checkpointed writes it into its own checkpoint, where the simulation's `state` invariant compares it.
 */
const compile = (tree: ReadonlyArray<Node>) => {
  const callbacks: Record<string, LocalRunner.Answer> = {}
  const sequence = (nodes: ReadonlyArray<Node>, path: string, seen: string): Effect.Effect<string, unknown, any> =>
    Effect.gen(function*() {
      let acc = seen
      for (const [i, node] of nodes.entries()) acc = yield* one(node, `${path}.${i}`, acc)
      return acc
    })
  const branches = (name: string, bodies: ReadonlyArray<ReadonlyArray<Node>>, path: string, seen: string) =>
    bodies.map((body, i) => Durable.child(`${name}-${i}`, sequence(body, `${path}-${i}`, seen)))
  const one = (node: Node, path: string, seen: string): Effect.Effect<string, unknown, any> => {
    switch (node._tag) {
      case "Step":
        return Durable.step(
          `step${path}`,
          Effect.gen(function*() {
            const { attempt } = yield* Durable.StepContext
            if (attempt <= node.fails) return yield* Effect.fail(new Error(`attempt ${attempt} of step${path} failed`))
            return `${digest(`${path}/${seen}`)}:${seen.slice(-8)}`
          }),
          { retry, semantics: node.atMostOnce ? "AtMostOncePerRetry" : "AtLeastOncePerRetry" }
        ).pipe(Effect.map((value) => digest(`${seen}|${value}`)))
      case "Wait":
        return Durable.wait(`wait${path}`, `${node.seconds} seconds`).pipe(Effect.as(seen))
      case "Child":
        return Durable.child(`child${path}`, sequence(node.body, path, seen))
      case "Map":
        return Durable.map(`map${path}`, Array.from({ length: node.items }, (_, i) => i), (item) =>
          sequence(node.body, `${path}[${item}]`, seen)).pipe(
            Effect.map((batch) => digest(`${seen}|${JSON.stringify(batch.all.map((i) => [i.status, "result" in i ? i.result : null]))}`))
          )
      case "Parallel":
        return Durable.parallel(`parallel${path}`, branches(`branch${path}`, node.branches, path, seen)).pipe(
          Effect.map((batch) => digest(`${seen}|${JSON.stringify(Batch.results(batch))}`))
        )
      case "Combinator": {
        const effects = branches(`${node.kind}${path}`, node.branches, path, seen)
        const combined: Effect.Effect<unknown, unknown, any> = node.kind === "all"
          ? Durable.all(`${node.kind}${path}`, effects)
          : node.kind === "allSettled"
          ? Durable.allSettled(`${node.kind}${path}`, effects)
          : node.kind === "any"
          ? Durable.any(`${node.kind}${path}`, effects)
          : Durable.race(`${node.kind}${path}`, effects)
        return combined.pipe(
          Effect.map((value) => digest(`${seen}|${JSON.stringify(value)}`)),
          Effect.catch((error) => Effect.succeed(digest(`${seen}|failed:${String(error)}`)))
        )
      }
      case "Callback": {
        const name = `callback${path}`
        if (node.answer !== "none") {
          callbacks[name] = node.answer === "succeed"
            ? { succeed: `answer to ${name}`, after: `${node.afterMinutes} minutes` }
            : { fail: `refused ${name}`, after: `${node.afterMinutes} minutes` }
        }
        return Durable.createCallback(name, { timeout: "2 hours" }).pipe(
          Effect.flatMap((callback) => callback.await),
          Effect.map((answer) => digest(`${seen}|${answer}`)),
          Effect.catch((error) => Effect.succeed(digest(`${seen}|${error._tag}`)))
        )
      }
    }
  }
  const workflow = Durable.workflow({ name: "generated", output: Schema.String }, () => sequence(tree, "", "start"))
  return { workflow: workflow as Workflow.Workflow<unknown, string, never, never>, callbacks }
}

/** Whether a tree races branches (`any`, `race`): which one wins depends on timing. */
const races = (nodes: ReadonlyArray<Node>): boolean =>
  nodes.some((node) => {
    switch (node._tag) {
      case "Combinator":
        return node.kind === "any" || node.kind === "race" || node.branches.some(races)
      case "Parallel":
        return node.branches.some(races)
      case "Child":
      case "Map":
        return races(node.body)
      default:
        return false
    }
  })


describe("Simulation: properties", () => {
  it.effect.prop(
    "generated workflows keep every invariant under random fault schedules",
    { tree: Tree, seed: between(0, 2 ** 31) },
    ({ seed, tree }) =>
      Effect.gen(function*() {
        const { callbacks, workflow } = compile(tree)
        // Which branch wins a race (`any`, `race`), and where its losers are left, depend on timing, which
        // faults change (when the function runs, when an answer comes, a retry added by an interrupted attempt):
        // such a workflow keeps the invariants that do not compare it with the fault-free run.
        yield* Simulation.random(workflow, undefined, {
          callbacks,
          runs: 5,
          seed,
          faults: ciFaults,
          maxFaults: 2,
          compare: races(tree) ? "none" : "all"
        })
      }),
    { timeout: 120_000, arbitrary: { runs: 40, seed: 20261201, size: 5 } }
  )

  // -------------------------------------------------------------------------
  // The operation sequence is a function of the input and the history
  // -------------------------------------------------------------------------

  const Approvals = Schema.Struct({
    amount: between(1, 100_000),
    approvers: Schema.Array(Schema.Struct({
      name: Schema.Literals(["ada", "grace", "alan", "edsger"]),
      approves: Schema.Boolean,
      afterMinutes: between(0, 600)
    })).check(Schema.isBetweenLength(1, 4))
  })

  /** Asks every approver at once (in parallel), then each in turn above a threshold; any refusal rejects. */
  const Approval = Durable.workflow(
    { name: "approval", input: Approvals, output: Schema.Struct({ approved: Schema.Boolean, rounds: Schema.Number }) },
    ({ amount, approvers }) =>
      Effect.gen(function*() {
        const first = yield* Durable.map("first-round", approvers, (approver, i) =>
          Durable.waitForCallback(`ask-${i}-${approver.name}`, () => Effect.void, { timeout: "1 day" }), {
          itemNamer: (approver, i) => `${i}-${approver.name}`
        })
        const refused = first.all.some((item) => item.status !== "SUCCEEDED" || item.result !== "yes")
        if (refused || amount < 10_000) return { approved: !refused, rounds: 1 }
        for (const [i, approver] of approvers.entries()) {
          const answer = yield* Durable.waitForCallback(`confirm-${i}-${approver.name}`, () => Effect.void, {
            timeout: "1 day"
          }).pipe(Effect.orElseSucceed(() => "no"))
          if (answer !== "yes") return { approved: false, rounds: 2 }
        }
        return { approved: true, rounds: 2 }
      })
  )

  const answersOf = (input: typeof Approvals.Type, shift: (i: number) => number) =>
    Object.fromEntries(input.approvers.flatMap((approver, i) => {
      const answer: LocalRunner.Answer = {
        succeed: approver.approves ? "yes" : "no",
        after: `${Math.max(0, approver.afterMinutes + shift(i))} minutes`
      }
      return [[`ask-${i}-${approver.name}`, answer], [`confirm-${i}-${approver.name}`, answer]]
    }))

  const identities = (result: LocalRunner.Result<unknown>) =>
    result.operations.map((op) => [op.Type === "EXECUTION" ? "" : op.Id, op.ParentId, op.Type, op.SubType, op.Name])

  it.effect.prop(
    "for generated inputs, answers, orders and timings, the operations depend on the input and the history only",
    { input: Approvals, reorder: between(0, 1_000), seed: between(0, 2 ** 31) },
    ({ input, reorder, seed }) =>
      Effect.gen(function*() {
        // The same answers in another order and at other times: the same operations, the same outcome.
        const a = yield* LocalRunner.runUnderTestClock(Approval, input, { callbacks: answersOf(input, () => 0) })
        const b = yield* LocalRunner.runUnderTestClock(Approval, input, {
          callbacks: answersOf(input, (i) => ((reorder * (i + 1)) % 7) * 11)
        })
        assert.deepStrictEqual(identities(b), identities(a))
        assert.deepStrictEqual(b.status === "SUCCEEDED" ? b.output : b.status, a.status === "SUCCEEDED" ? a.output : a.status)
        // And under faults, the same again (the simulation compares every run with the fault-free one).
        yield* Simulation.random(Approval, input, {
          callbacks: answersOf(input, () => 0),
          runs: 3,
          seed,
          faults: ciFaults,
          maxFaults: 2
        })
      }).pipe(Effect.provide(Emulator.layer)),
    { timeout: 120_000, arbitrary: { runs: 10, seed: 20261201 } }
  )
})
