-- Run by the postgres image on first start only (empty data volume), see
-- docker-compose.yml. The schema registry keeps its schemas in a database of its
-- own so that its tables never mix with tidemark's replicated tables in "tidemark".
CREATE DATABASE registry;
