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
   * Event times more than this many ms ahead of the job's processing time (its clock) are invalid:
   * they go to `onInvalid` (or error the stream), so one event from the far future cannot push the
   * watermark past every window. Off by default; for live input from clients, one day is a good bound.
   */
  maxFutureSkew?: number;
  /** Event times before this (epoch ms) are invalid, like those beyond `maxFutureSkew`. Off by default. */
  minEventTime?: number;
  /**
   * Receives elements whose event time is missing, not a finite number, or outside the bounds above. Without it such an element
   * errors the stream with an `InvalidElementError` naming the element.
   */
  onInvalid?: (element: T, info: { timestamp: unknown; reason: string }) => void;
}
