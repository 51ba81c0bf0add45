/**
 * @since 0.1.0
 */
export * as Emulator from "./Emulator.ts"
