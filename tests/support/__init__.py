"""What many tests share: canned model replies, small libraries, sample drafts, people, real databases."""
