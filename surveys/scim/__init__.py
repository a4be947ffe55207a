"""SCIM 2.0 provisioning (RFC 7643, RFC 7644): the company's identity provider creates, updates and deactivates
people and keeps teams' membership at `/scim/v2/`, with a token of the SCIM scope issued at /manage/api-tokens/.

- `protocol`: the error type, media type and the discovery documents (ServiceProviderConfig, ResourceTypes,
  Schemas);
- `resources`: Person ↔ User and Team ↔ Group as SCIM JSON, and what a posted resource asks for;
- `expressions`: filters and PATCH operations, parsed by scim2-models' RFC 7644 grammar;
- `services`: every write, each recorded in the audit log;
- `views`, `urls`: the endpoints.
"""
