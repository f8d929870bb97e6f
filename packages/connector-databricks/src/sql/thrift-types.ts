// The HiveServer2 (TCLIService) messages the SQL connector sends and reads, as narrow structural types. The SDK's
// generated declarations are global-style (no exports), so the connector names only the fields it relies on.

/** `TStatusCode`. */
export const STATUS_CODE = {
  SUCCESS: 0,
  SUCCESS_WITH_INFO: 1,
  STILL_EXECUTING: 2,
  ERROR: 3,
  INVALID_HANDLE: 4,
} as const;

/** `TOperationState`. */
export const OPERATION_STATE = {
  INITIALIZED: 0,
  RUNNING: 1,
  FINISHED: 2,
  CANCELED: 3,
  CLOSED: 4,
  ERROR: 5,
  UNKNOWN: 6,
  PENDING: 7,
  TIMEDOUT: 8,
} as const;

/** `TOperationType.EXECUTE_STATEMENT`. */
export const EXECUTE_STATEMENT = 0;

/** `TProtocolVersion.SPARK_CLI_SERVICE_PROTOCOL_V8`: named parameters need it (the SDK asks for it too). */
export const PROTOCOL_V8 = 0xa508;

/** `TSparkRowSetType.COLUMN_BASED_SET`. */
export const COLUMN_BASED_SET = 1;

export interface TStatus {
  statusCode: number;
  infoMessages?: string[] | null;
  sqlState?: string | null;
  errorCode?: number | null;
  errorMessage?: string | null;
  displayMessage?: string | null;
}

export interface THandleIdentifier {
  guid: Buffer;
  secret: Buffer;
}

export interface TSessionHandle {
  sessionId: THandleIdentifier;
}

export interface TOperationHandle {
  operationId: THandleIdentifier;
  operationType: number;
  hasResultSet: boolean;
  modifiedRowCount?: number | null;
}

/** node-int64 values as the generated code reads them. */
export interface Int64Like {
  toNumber(allowImprecise?: boolean): number;
  toString(radix?: number): string;
}

export interface TOpenSessionResp {
  status: TStatus;
  serverProtocolVersion: number;
  sessionHandle?: TSessionHandle | null;
}

export interface TExecuteStatementResp {
  status: TStatus;
  operationHandle?: TOperationHandle | null;
}

export interface TGetOperationStatusResp {
  status: TStatus;
  operationState?: number | null;
  sqlState?: string | null;
  errorCode?: number | null;
  errorMessage?: string | null;
  displayMessage?: string | null;
  taskStatus?: string | null;
  hasResultSet?: boolean | null;
  numModifiedRows?: Int64Like | null;
  operationStarted?: Int64Like | null;
  operationCompleted?: Int64Like | null;
}

export interface TTypeDesc {
  types?: { primitiveEntry?: { type?: number } | null }[] | null;
}

export interface TColumnDesc {
  columnName: string;
  typeDesc?: TTypeDesc | null;
  position?: number;
}

export interface TGetResultSetMetadataResp {
  status: TStatus;
  schema?: { columns?: TColumnDesc[] | null } | null;
  resultFormat?: number | null;
}

/** One column of a COLUMN_BASED_SET: exactly one of the typed vectors is set. */
export interface TColumn {
  boolVal?: TColumnVector<boolean> | null;
  byteVal?: TColumnVector<number> | null;
  i16Val?: TColumnVector<number> | null;
  i32Val?: TColumnVector<number> | null;
  i64Val?: TColumnVector<Int64Like> | null;
  doubleVal?: TColumnVector<number> | null;
  stringVal?: TColumnVector<string> | null;
  binaryVal?: TColumnVector<Buffer> | null;
}

export interface TColumnVector<T> {
  values: T[];
  /** Bitmap, least significant bit first: bit i set = row i is NULL. */
  nulls: Buffer;
}

export interface TRowSet {
  startRowOffset?: Int64Like | null;
  rows?: unknown[] | null;
  columns?: TColumn[] | null;
}

export interface TFetchResultsResp {
  status: TStatus;
  hasMoreRows?: boolean | null;
  results?: TRowSet | null;
}

/** `TSparkParameter` as `DBSQLParameter.toSparkParameter` builds it. */
export type TSparkParameter = object;

/** The requests the connector sends (plain objects: the generated writers read fields by name). */
export interface HiveDriver {
  openSession(request: object): Promise<TOpenSessionResp>;
  closeSession(request: { sessionHandle: TSessionHandle }): Promise<{ status: TStatus }>;
  executeStatement(request: object): Promise<TExecuteStatementResp>;
  getOperationStatus(request: {
    operationHandle: TOperationHandle;
    getProgressUpdate?: boolean;
  }): Promise<TGetOperationStatusResp>;
  cancelOperation(request: { operationHandle: TOperationHandle }): Promise<{ status: TStatus }>;
  closeOperation(request: { operationHandle: TOperationHandle }): Promise<{ status: TStatus }>;
  getResultSetMetadata(request: { operationHandle: TOperationHandle }): Promise<TGetResultSetMetadataResp>;
  fetchResults(request: object): Promise<TFetchResultsResp>;
}
