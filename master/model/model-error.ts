/** A model folder the master cannot serve: missing, of the wrong format, or with files that fail their checksum. */
export class ModelError extends Error {}
