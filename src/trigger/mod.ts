/**
 * Triggers, composed as in Beam: when the panes of a window fire. The state machine that runs them
 * (state_machine.ts) is internal to weir.
 *
 * @module
 */
export {
  afterAll,
  afterAny,
  afterCount,
  afterEach,
  afterProcessingTime,
  afterWatermark,
  afterWatermarkProgress,
  defaultTrigger,
  never,
  orFinally,
  repeatedly,
  type Trigger,
  type TriggerSpec,
} from "./trigger.ts";
