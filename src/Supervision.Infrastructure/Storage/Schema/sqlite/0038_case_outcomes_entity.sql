-- The credit feed reads each entity's concluded follow-up cases within a step's seq range (CreditFeedStore.CasesOfAsync;
-- docs/credit-model.md, "Follow-up cases"), as it reads its inspection outcomes through inspection_outcomes_entity.
CREATE INDEX follow_up_case_outcomes_entity ON follow_up_case_outcomes (entity_credit_code, seq);
