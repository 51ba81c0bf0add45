/** placeholder */
export interface Policy {
  readonly warmup: number
  readonly maxInProcessWait: number
  readonly deadlineMargin: number
}
