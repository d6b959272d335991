"""Signs requests with botocore's SigV4 signer (Debian's python3-botocore), as an independent
reference for pipewright's own signer. Reads a JSON list of requests from argv[1], writes a JSON
list of {"canonical_request", "authorization"} to stdout. Exit 3 when botocore is missing."""
import json
import sys

try:
    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
except ImportError:
    sys.exit(3)

out = []
for r in json.load(open(sys.argv[1], encoding="utf-8")):
    creds = Credentials(r["access_key"], r["secret_key"], r.get("token") or None)
    auth = S3SigV4Auth(creds, "s3", r["region"])
    req = AWSRequest(method=r["method"], url=r["url"])
    for name, value in r["headers"]:
        req.headers[name] = value  # HTTPHeaders appends: a repeated name keeps every value
    req.context["timestamp"] = r["date"]
    cr = auth.canonical_request(req)
    sts = auth.string_to_sign(req, cr)
    sig = auth.signature(sts, req)
    headers = auth.headers_to_sign(req)
    out.append({
        "canonical_request": cr,
        "authorization": "AWS4-HMAC-SHA256 Credential=%s, SignedHeaders=%s, Signature=%s"
        % (auth.scope(req), auth.signed_headers(headers), sig),
    })
json.dump(out, sys.stdout)
