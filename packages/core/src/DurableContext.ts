import { Context } from "effect"
/** placeholder */
export class DurableContext extends Context.Service<DurableContext, {}>()("@effect-durable/core/DurableContext") {}
