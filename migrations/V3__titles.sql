-- The title a player shows in /perfil and on the leaderboard (an item id of kind "title").
ALTER TABLE user_profiles ADD COLUMN title_item TEXT;
