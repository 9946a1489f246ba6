// The Redis version this server is compatible with (INFO redis_version, HELLO) and its own.
export const SERVER_VERSION = '7.0.15';
export const PRODUCT_VERSION = '0.1.0';
