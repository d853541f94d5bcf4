-- The onboarding quiz: answers so far, then the archetype (Bartle) and personality it gives.
ALTER TABLE user_profiles
    ADD COLUMN quiz_answers SMALLINT[] NOT NULL DEFAULT '{}',
    ADD COLUMN quiz_done_at TIMESTAMPTZ,
    ADD COLUMN archetype TEXT CHECK (archetype IN ('explorador', 'triunfador', 'social', 'competidor')),
    ADD COLUMN personality JSONB;
CREATE INDEX user_profiles_archetype_idx ON user_profiles (archetype) WHERE archetype IS NOT NULL;

-- Broadcasts can go to one archetype ('archetype:explorador', …).
ALTER TABLE broadcasts DROP CONSTRAINT broadcasts_segment_check;
ALTER TABLE broadcasts ADD CONSTRAINT broadcasts_segment_check CHECK (segment IN ('all', 'vip', 'inactive')
    OR segment IN ('archetype:explorador', 'archetype:triunfador', 'archetype:social', 'archetype:competidor'));
