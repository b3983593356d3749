"""Request bodies for the load benchmark (bench/load.py, bench/load_locust.py): what a
committee clerk sends to POST /api/v1/cases/, with random valid personal data."""

import random

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"
AREAS = ("640106", "640104", "640105", "110101", "310104", "440305")
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林高罗"
DISPUTES = ("neighbourhood", "marriage_family", "contract", "damages", "property_management")


def resident_id(rng: random.Random) -> str:
    """A random valid 18-digit resident ID number (GB 11643 check digit)."""
    born = f"{rng.randint(1950, 2004)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    first = f"{rng.choice(AREAS)}{born}{rng.randint(0, 999):03d}"
    total = sum(int(d) * w for d, w in zip(first, ID_WEIGHTS, strict=True))
    return first + ID_CHECK_CHARS[total % 11]


def mobile(rng: random.Random) -> str:
    return f"1{rng.choice('3456789')}{rng.randint(0, 999_999_999):09d}"


def case_body(rng: random.Random, committee_id: int) -> dict:
    """What a committee clerk sends: three parties with ID numbers and phones."""
    parties = [
        {
            "role": role,
            "kind": "person",
            "name": rng.choice(SURNAMES) + rng.choice(("某", "某某", "先生", "女士")),
            "id_number": resident_id(rng),
            "phone": mobile(rng),
            "address": "金凤区满城北街" + str(rng.randint(1, 300)) + "号",
        }
        for role in ("applicant", "respondent", "third_party")
    ]
    return {
        "committee": committee_id,
        "source": rng.choice(("party_application", "screening")),
        "dispute_type": rng.choice(DISPUTES),
        "title": "相邻关系纠纷（负载测试）",
        "facts": "双方因排水问题发生争执，申请人要求被申请人恢复原状。" * 3,
        "claims": "恢复排水沟原状，赔偿损失。",
        "parties": parties,
    }
