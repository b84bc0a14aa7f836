/** The OpenTelemetry tracer name every Arbor span is made by. */
export const TRACER_NAME = 'arbor';
