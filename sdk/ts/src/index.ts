// Package @signalbox/sdk: the Signalbox API (signalbox.v1) for TypeScript,
// over Connect-Web. Messages, enums and service descriptors are generated
// by protoc-gen-es into ./gen (do not edit them; run `make generate`);
// this file adds a client factory and helpers for errors.

export { createSignalboxClient, type SignalboxClient, type SignalboxClientOptions } from "./client.js";
export { problemOf, violationsOf, type FieldViolation } from "./errors.js";

// The runtime pieces callers need, re-exported so that an application and
// the SDK share one copy of each library.
export { Code, ConnectError, type CallOptions } from "@connectrpc/connect";
export { create, fromJson, toJson, toJsonString, type MessageInitShape } from "@bufbuild/protobuf";
export { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

// buf.validate is namespaced: its names (field, message, Rule) are generic.
export * as validate from "./gen/buf/validate/validate_pb.js";

// Every message, enum and service of signalbox.v1.
export * from "./gen/signalbox/v1/index.js";
