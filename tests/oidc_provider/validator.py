"""The provider's claims: email and email_verified as the test's users list says (TEST_OP_USERS)."""

import json
import os

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    def get_additional_claims(self, request):
        users = {user["username"]: user for user in json.loads(os.environ["TEST_OP_USERS"])}
        user = users[request.user.get_username()]
        return {"email": user["email"], "email_verified": user["email_verified"]}
