-- Every node that starts while the instance has no administrator prints its own setup code;
-- any of them works until the first administrator exists.
DROP TABLE instance_setup;
CREATE TABLE setup_codes (
    code_hash   TEXT PRIMARY KEY,
    created_at  BIGINT NOT NULL
);
