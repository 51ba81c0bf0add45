/**
 * Handlers of the `plugin` requirements (10-1 to 10-23): the instrumentation hooks.
 *
 * Each requirement describes a plugin that writes JSON records to standard output from
 * its hooks; here each is a set of `Instrumentation.Hooks` writing into `Logs`, provided
 * with `Instrumentation`'s layer. Every record carries the execution's ARN
 * (`durableExecutionArn`), as the requirements ask.
 */
import { Batch, Durable, Instrumentation, RetryPolicy } from "@effect-durable/core"
import { Effect, Layer, Schema } from "effect"
import { anyEvent, event, type Suite } from "../src/Handler.ts"
import { Logs } from "../src/Logs.ts"

type Write = (record: Record<string, unknown>) => Effect.Effect<void>

/** A plugin as the requirements describe them: hooks that write records tagged with the plugin's name. */
const plugin = (name: string, hooks: (write: Write) => Instrumentation.Hooks) => (logs: Logs["Service"]) =>
  hooks((record) => logs.write({ plugin: name, ...record }))

/** Instrumentation with these plugins, writing into the log stream; every record carries the execution ARN. */
const instrumented = (...plugins: ReadonlyArray<(logs: Logs["Service"]) => Instrumentation.Hooks>) =>
  Layer.effect(
    Instrumentation.Instrumentation,
    Effect.map(Logs, (logs: Logs["Service"]) => {
      let arn: string | undefined
      const stamped: Logs["Service"] = {
        ...logs,
        write: (record) => logs.write(arn === undefined ? record : { ...record, durableExecutionArn: arn })
      }
      const capture: Instrumentation.Hooks = {
        onInvocationStart: (info) => Effect.sync(() => void (arn = info.executionArn))
      }
      return Instrumentation.make(capture, ...plugins.map((p) => p(stamped)))
    })
  )

/** Every hook writes its name, then fails: the engine must ignore it. */
const faulty = (name: string) =>
  plugin(name, (write) => {
    const hook = (hook: string, steps: boolean) => (info: object) =>
      steps && (info as { readonly type?: string }).type !== "STEP"
        ? Effect.void
        : Effect.andThen(write({ hook }), Effect.die(new Error(`${hook} always throws`)))
    return {
      onInvocationStart: hook("invocation-start", false),
      onInvocationEnd: hook("invocation-end", false),
      onOperationStart: hook("operation-start", true),
      onOperationEnd: hook("operation-end", true),
      onAttemptStart: hook("attempt-start", true),
      onAttemptEnd: hook("attempt-end", true)
    }
  })

const isTerminal = (status: string | undefined) => status === "SUCCEEDED" || status === "FAILED"

/** The records of the invocation hooks most requirements use. */
const invocationRecords = (name: string) =>
  plugin(name, (write) => ({
    onInvocationStart: (info) => write({ hook: "invocation-start", first: info.isFirstInvocation }),
    onInvocationEnd: (info) =>
      write({ hook: "invocation-end", first: info.isFirstInvocation, terminal: isTerminal(info.status), status: info.status })
  }))

const CONF = "CONFPLUGIN"

/** A canonical dump of an info: fields as they are, timestamps in ISO-8601, errors as their message, maps as counts. */
const dump = (info: object): Record<string, unknown> => {
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(info)) {
    if (value === undefined) continue
    if (value instanceof Date) out[key] = value.toISOString()
    else if (value instanceof Map) out[`${key}Count`] = value.size
    else if (key === "error" && typeof value === "object" && value !== null) {
      out[key] = (value as { ErrorMessage?: string }).ErrorMessage ?? ""
    } else out[key] = value
  }
  return out
}

const greet = (input: string) => Durable.step("greet", Effect.succeed(`Hello, ${input}!`))

const failsOnce = <A>(value: A) =>
  Effect.gen(function*() {
    const { attempt } = yield* Durable.StepContext
    if (attempt === 1) return yield* Effect.fail(new Error(`attempt ${attempt} failed`))
    return value
  })

const retryAfterOneSecond = RetryPolicy.exponential({ maxAttempts: 2, initialDelay: "1 second", jitter: "NONE" })

const greeting = (name: string) =>
  Durable.workflow({ name, input: event(Schema.String) }, ({ Input }) => greet(Input))

export const handlers: Suite = {
  "10-1": {
    workflow: Durable.workflow(
      { name: "plugin-invocation-hooks", input: event(Schema.String) },
      ({ Input }) =>
        Durable.step("greet", Effect.logInfo(`Greeting step running for: ${Input}`).pipe(Effect.as(`Hello, ${Input}!`)))
    ),
    layer: instrumented(invocationRecords(CONF))
  },
  "10-2": {
    workflow: greeting("plugin-operation-hooks"),
    layer: instrumented(plugin(CONF, (write) => ({
      onOperationStart: (op) => op.type === "STEP" ? write({ hook: "operation-start", op: op.id }) : Effect.void,
      onOperationEnd: (op) => op.type === "STEP" ? write({ hook: "operation-end", op: op.id, status: op.status }) : Effect.void
    })))
  },
  "10-3": {
    workflow: Durable.workflow(
      { name: "plugin-attempt-hooks", input: anyEvent },
      () => Durable.step("unreliable", failsOnce("Operation succeeded"), { retry: retryAfterOneSecond })
    ),
    layer: instrumented(plugin(CONF, (write) => ({
      onAttemptStart: (a) => a.type === "STEP" ? write({ hook: "attempt-start", n: a.attempt, op: a.id }) : Effect.void,
      onAttemptEnd: (a) =>
        a.type === "STEP" ? write({ hook: "attempt-end", n: a.attempt, outcome: a.outcome, op: a.id }) : Effect.void
    })))
  },
  "10-4": {
    workflow: greeting("plugin-faulty"),
    layer: instrumented(faulty("CONFPLUGIN-FAULTY"))
  },
  "10-5": {
    workflow: greeting("plugin-two-plugins"),
    layer: instrumented(invocationRecords("CONFPLUGIN-A"), invocationRecords("CONFPLUGIN-B"))
  },
  "10-6": {
    workflow: Durable.workflow({ name: "plugin-first-invocation", input: anyEvent }, () => Durable.wait("pause", "2 seconds")),
    layer: instrumented(invocationRecords(CONF))
  },
  "10-7": {
    workflow: Durable.workflow(
      { name: "plugin-failure", input: anyEvent },
      () => Durable.step("failing", Effect.fail(new Error("always fails")), { retry: RetryPolicy.noRetry })
    ),
    layer: instrumented(invocationRecords(CONF))
  },
  "10-8": {
    workflow: greeting("plugin-operation-change"),
    layer: instrumented(plugin(CONF, (write) => ({
      onOperationChange: (change) =>
        Effect.forEach(
          [...change.updatedOperations.values()].filter((op) => op.type === "STEP"),
          (op) =>
            write({ hook: "operation-change", op: op.id, status: op.status, in_full_map: change.operations.has(op.id) }),
          { discard: true }
        )
    })))
  },
  "10-9": {
    workflow: Durable.workflow({ name: "plugin-updated-operations", input: anyEvent }, () => Durable.wait("pause", "2 seconds")),
    layer: instrumented(plugin(CONF, (write) => ({
      onInvocationStart: (info) =>
        Effect.forEach(
          [...info.updatedOperations.values()].filter((op) => op.type === "WAIT"),
          (op) => write({ hook: "updated-on-invoke", op: op.id, status: op.status, first: info.isFirstInvocation }),
          { discard: true }
        )
    })))
  },
  "10-10": {
    workflow: Durable.workflow({ name: "plugin-wait-hooks", input: anyEvent }, () => Durable.wait("pause", "2 seconds")),
    layer: instrumented(plugin(CONF, (write) => ({
      onOperationStart: (op) => op.type === "WAIT" ? write({ hook: "operation-start", op: op.id, type: op.type }) : Effect.void,
      onOperationEnd: (op) =>
        op.type === "WAIT" ? write({ hook: "operation-end", op: op.id, type: op.type, status: op.status }) : Effect.void
    })))
  },
  "10-11": {
    workflow: Durable.workflow(
      { name: "plugin-parent-linkage", input: event(Schema.String) },
      ({ Input }) => Durable.child("child", greet(Input))
    ),
    layer: instrumented(plugin(CONF, (write) => ({
      onOperationEnd: (op) => write({ hook: "operation-end", op: op.id, parent: op.parentId ?? "NONE", status: op.status })
    })))
  },
  "10-12": {
    workflow: Durable.workflow(
      { name: "plugin-function-hooks", input: anyEvent },
      () =>
        Effect.map(
          Durable.parallel("parallel", [Effect.succeed("task-1"), Effect.succeed("task-2")], { maxConcurrency: 1 }),
          Batch.results
        )
    ),
    layer: instrumented(plugin(CONF, (write) => ({
      onFunctionStart: (fn) =>
        fn.subType === "ParallelBranch" ? write({ hook: "fn-start", op: fn.id, parent: fn.parentId ?? "NONE" }) : Effect.void,
      onFunctionEnd: (fn) =>
        fn.subType === "ParallelBranch"
          ? write({ hook: "fn-end", op: fn.id, parent: fn.parentId ?? "NONE", outcome: fn.outcome })
          : Effect.void
    })))
  },
  "10-13": {
    workflow: Durable.workflow(
      { name: "plugin-replay-flag", input: anyEvent },
      Effect.fn(function*() {
        yield* Durable.step("a", Effect.succeed("task-a"))
        return yield* Durable.step("b", failsOnce("Operation succeeded"), { retry: retryAfterOneSecond })
      })
    ),
    layer: instrumented(plugin(CONF, (write) => ({
      onOperationStart: (op) => op.type === "STEP" ? write({ hook: "operation-start", op: op.id, replay: op.isReplay }) : Effect.void,
      onOperationEnd: (op) => op.type === "STEP" ? write({ hook: "operation-end", op: op.id, status: op.status }) : Effect.void
    })))
  },
  "10-14": {
    workflow: Durable.workflow(
      { name: "plugin-operation-end-payloads", input: anyEvent },
      Effect.fn(function*() {
        yield* Durable.step("a", Effect.succeed("task-a"))
        return yield* Durable.step("b", Effect.fail(new Error("boom")), { retry: RetryPolicy.noRetry })
      })
    ),
    layer: instrumented(plugin(CONF, (write) => ({
      onOperationEnd: (op) =>
        op.type === "STEP"
          ? write({
            hook: "operation-end",
            op: op.id,
            status: op.status,
            result: op.result ?? "NONE",
            error: op.error?.ErrorMessage ?? "NONE"
          })
          : Effect.void
    })))
  },
  "10-15": {
    workflow: Durable.workflow(
      { name: "plugin-retry-exhaustion", input: anyEvent },
      () => Durable.step("always_fail", Effect.fail(new Error("always fails")), { retry: retryAfterOneSecond })
    ),
    layer: instrumented(plugin(CONF, (write) => ({
      onAttemptStart: (a) => a.type === "STEP" ? write({ hook: "attempt-start", n: a.attempt, op: a.id }) : Effect.void,
      onAttemptEnd: (a) =>
        a.type === "STEP" ? write({ hook: "attempt-end", n: a.attempt, outcome: a.outcome, op: a.id }) : Effect.void,
      onOperationEnd: (op) => op.type === "STEP" ? write({ hook: "operation-end", op: op.id, status: op.status }) : Effect.void
    })))
  },
  "10-16": {
    workflow: Durable.workflow({ name: "plugin-suspension-end", input: anyEvent }, () => Durable.wait("pause", "2 seconds")),
    layer: instrumented(invocationRecords(CONF))
  },
  "10-17": {
    workflow: greeting("plugin-faulty-and-healthy"),
    layer: instrumented(
      faulty("CONFPLUGIN-FAULTY"),
      plugin("CONFPLUGIN-HEALTHY", (write) => ({
        onInvocationStart: (info) => write({ hook: "invocation-start", first: info.isFirstInvocation }),
        onOperationStart: (op) => op.type === "STEP" ? write({ hook: "operation-start", op: op.id }) : Effect.void,
        onAttemptStart: (a) => a.type === "STEP" ? write({ hook: "attempt-start", op: a.id }) : Effect.void,
        onAttemptEnd: (a) => a.type === "STEP" ? write({ hook: "attempt-end", op: a.id, outcome: a.outcome }) : Effect.void,
        onOperationEnd: (op) => op.type === "STEP" ? write({ hook: "operation-end", op: op.id, status: op.status }) : Effect.void,
        onInvocationEnd: (info) => write({ hook: "invocation-end", status: info.status })
      }))
    )
  },
  "10-18": {
    workflow: Durable.workflow(
      { name: "plugin-pending-wait-replay", input: anyEvent },
      () =>
        Effect.map(
          Durable.parallel("waits", [
            Durable.wait("short", "2 seconds").pipe(Effect.as("short-done")),
            Durable.wait("long", "8 seconds").pipe(Effect.as("long-done"))
          ], { maxConcurrency: 2 }),
          Batch.results
        )
    ),
    layer: instrumented(plugin(CONF, (write) => ({
      onOperationStart: (op) =>
        op.type === "WAIT"
          ? write({ hook: "operation-start", type: op.type, name: op.name, replay: op.isReplay, pending: !isTerminal(op.status) })
          : Effect.void,
      onOperationEnd: (op) =>
        op.type === "WAIT" ? write({ hook: "operation-end", type: op.type, name: op.name, status: op.status }) : Effect.void
    })))
  },
  "10-19": {
    workflow: Durable.workflow(
      { name: "plugin-invocation-info", input: event(Schema.String) },
      Effect.fn(function*({ Input }) {
        yield* Durable.wait("pause", "2 seconds")
        return `done-${Input}`
      })
    ),
    layer: instrumented(plugin(CONF, (write) => ({
      onInvocationStart: (info) => write({ hook: "invocation-start", ...dump(info) }),
      onInvocationEnd: (info) => {
        const { error, ...rest } = info
        return write({
          hook: "invocation-end",
          ...dump(rest),
          terminal: isTerminal(info.status),
          ...(error === undefined ? {} : { executionError: error.ErrorMessage ?? "" })
        })
      }
    })))
  },
  "10-20": {
    workflow: Durable.workflow({ name: "plugin-operation-info", input: anyEvent }, () => Durable.step("greet", Effect.succeed("task-a"))),
    layer: instrumented(plugin(CONF, (write) => ({
      onOperationStart: (op) => op.type === "STEP" ? write({ hook: "operation-start", ...dump(op) }) : Effect.void,
      onOperationEnd: (op) => op.type === "STEP" ? write({ hook: "operation-end", ...dump(op) }) : Effect.void
    })))
  },
  "10-21": {
    workflow: Durable.workflow(
      { name: "plugin-attempt-info", input: anyEvent },
      () => Durable.step("flaky", failsOnce("ok"), { retry: retryAfterOneSecond })
    ),
    layer: instrumented(plugin(CONF, (write) => ({
      onAttemptStart: (a) => a.type === "STEP" ? write({ hook: "attempt-start", ...dump(a) }) : Effect.void,
      onAttemptEnd: (a) => a.type === "STEP" ? write({ hook: "attempt-end", ...dump(a) }) : Effect.void
    })))
  },
  "10-22": {
    workflow: Durable.workflow({ name: "plugin-change-info", input: anyEvent }, () => Durable.step("greet", Effect.succeed("task-a"))),
    layer: instrumented(plugin(CONF, (write) => ({
      onOperationChange: (change) =>
        Effect.forEach(
          [...change.updatedOperations.values()].filter((op) => op.type === "STEP"),
          (op) =>
            write({
              hook: "operation-change",
              executionArn: change.executionArn,
              updatedOperationsCount: change.updatedOperations.size,
              operationsCount: change.operations.size,
              inFullMap: change.operations.has(op.id),
              ...dump(op)
            }),
          { discard: true }
        )
    })))
  },
  "10-23": {
    workflow: Durable.workflow(
      { name: "plugin-context-info", input: anyEvent },
      () =>
        Effect.map(
          Durable.parallel("ctx", [
            {
              name: "branch-a",
              effect: Effect.gen(function*() {
                yield* Durable.step("inner", Effect.succeed("x"))
                yield* Durable.wait("pause", "2 seconds")
                return "a-done"
              })
            },
            { name: "branch-b", effect: Effect.succeed("b-done") }
          ], { maxConcurrency: 1 }),
          Batch.results
        )
    ),
    layer: instrumented(plugin(CONF, (write) => ({
      onOperationStart: (op) => op.type === "CONTEXT" ? write({ hook: "operation-start", ...dump(op) }) : Effect.void,
      onFunctionStart: (fn) => fn.type === "CONTEXT" ? write({ hook: "fn-start", ...dump(fn) }) : Effect.void
    })))
  }
}
