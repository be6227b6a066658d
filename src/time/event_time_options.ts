/** Options of `.withEventTime(getTimestamp, options)`. */
export interface EventTimeOptions<T = unknown> {
  /** The bound on disorder (ms): the watermark trails the largest event time seen by this much. */
  maxOutOfOrderness: number;
  /**
   * After this much processing time (ms) without input, the watermark advances with the clock:
   * W = max event time + (time idle) - maxOutOfOrderness. Off by default.
   */
  idleTimeout?: number;
  /**
   * Receives elements whose event time is missing or not a finite number. Without it such an element
   * errors the stream with an `InvalidElementError` naming the element.
   */
  onInvalid?: (element: T, info: { timestamp: unknown; reason: string }) => void;
}
