-- A statement that must stop half way (an order written in one statement that finds too little
-- stock once the balances are locked) calls this: it aborts with SQLSTATE HX001, the whole
-- statement rolls back, and the gateway takes the step-by-step path (store::orders::one_statement).
CREATE FUNCTION hxgw_abort(reason text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION USING ERRCODE = 'HX001', MESSAGE = reason;
END
$$;
