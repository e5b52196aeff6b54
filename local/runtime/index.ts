/** The embedded local runtime: see runtime.ts for the API, docs in each module. */
export { createLocalRuntime } from './runtime.ts';
export type { LocalRuntime, LocalRuntimeOptions, Mailbox, ScheduledFire, ScheduledRun } from './runtime.ts';
export { loadOrSynthesize, synthesize, DEFAULT_STACK_NAME } from './synth.ts';
export type { SynthOptions, SynthResult } from './synth.ts';
export { Counters, instrument } from './counters.ts';
export type { CounterSnapshot, OperationCounts, ExecutionHistorySize } from './counters.ts';
export type { DeadLetter, ExecutionResult, ExecutionStatus } from './state-machines.ts';
export type { MailMessage } from './emulators.ts';
export { LambdaFunctionError } from './lambda-functions.ts';
export { fireTimes, parseScheduleExpression, schedulerTime, CronError } from './cron.ts';
export { loadTemplate, TemplateError } from './template.ts';
export type { CfnTemplate, LocalTemplate, StateMachineSpec, FunctionSpec, ScheduleSpec, TableSpec } from './template.ts';
