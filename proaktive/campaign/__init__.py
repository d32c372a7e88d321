"""Campaign files: YAML → a validated, immutable `Campaign`, or every problem in the file."""

from proaktive.campaign.loading import campaign_problems, load_campaign
from proaktive.campaign.model import Campaign

__all__ = ["Campaign", "campaign_problems", "load_campaign"]
