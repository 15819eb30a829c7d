-- 019_witness.sql: witnesses' cosignatures of the log's checkpoints (docs/witness.md). The
-- checkpointer (server/tlog/tlog_witness.c) sends each checkpoint it signs to the witnesses
-- of the `witnesses` setting and keeps each cosignature that verifies with the witness's key:
-- the signature line as the witness wrote it (C2SP tlog-cosignature v1), which
-- GET /api/v1/log/checkpoint appends to the checkpoint's note.
CREATE TABLE IF NOT EXISTS tlog_cosignature (
    size      bigint NOT NULL REFERENCES tlog_checkpoint (size) ON DELETE CASCADE,
    witness   text NOT NULL,          -- the witness's key name
    key_id    text NOT NULL,          -- hex of its 4-byte key ID
    line      text NOT NULL,          -- "— name base64(…)\n"
    signed_at timestamptz NOT NULL,   -- the cosignature's own timestamp
    PRIMARY KEY (size, witness, key_id)
);
