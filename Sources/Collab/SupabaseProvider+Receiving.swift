import Foundation
import Realtime
import RealtimeProtocol
import YCRDT

// What arrives on the channel: updates, sync requests and answers, awareness,
// presence. Split from SupabaseProvider.swift only for size; same actor.
extension SupabaseProvider {
    // MARK: - Incoming

    func received(event: String, payload: UserPayload) async {
        statistics.received[event, default: 0] += 1
        let message: ChannelMessage?
        do {
            message = try ChannelMessage.decode(event: event, payload: payload)
        } catch {
            reject("\(error)")
            return
        }
        switch message {
        case nil:
            return
        case let .update(bytes):
            await applyRemote(bytes, event: event)
        case let .syncStep1(request):
            guard request.peer != peerID else { return }
            await answerLater(request)
        case let .syncStep2(answer):
            guard answer.peer != peerID else { return }
            pendingAnswers[answer.request]?.answerStateVectors.append(answer.stateVector)
            guard await applyRemote(answer.update, event: event) else { return }
            if answer.to == peerID, answer.request == currentRequest {
                answerStarted = true
                if answer.part == answer.parts - 1 { markSynced() }
            }
        case let .awareness(bytes):
            do {
                let update: AwarenessUpdate
                do {
                    update = try AwarenessUpdate.decode(bytes)
                } catch {
                    throw CollabError.malformedMessage(event: CollabEventName.awareness, reason: "\(error)")
                }
                let result = try awareness.apply(update.entries, now: .now)
                if result.reannounce {
                    awarenessDirty = true
                    scheduleAwareness()
                }
                if result.changed { publishCursors() }
            } catch {
                reject("\(error)")
            }
        }
    }

    /// Validates and applies a remote update to the replica, then hands it to the
    /// editor, decoded: the editor's document integrates it without decoding it
    /// again. An invalid update changes nothing and is reported.
    @discardableResult
    func applyRemote(_ bytes: [UInt8], event: String) async -> Bool {
        let update: ParsedUpdate
        do {
            update = try ParsedUpdate(bytes)
            try await replica.applyReceived(update)
        } catch {
            reject("\(CollabError.invalidUpdate(event: event, reason: "\(error)"))")
            return false
        }
        eventsContinuation.yield(.remoteUpdate(update))
        return true
    }

    func reject(_ reason: String) {
        statistics.rejected += 1
        setWarning(reason)
        refreshStatus(force: true)
    }

    // MARK: - Sync

    func sendStep1() async {
        let stateVector: [UInt8]
        do {
            stateVector = try await replica.stateVector()
        } catch {
            setWarning("could not ask the other editors for their changes: \(error)")
            refreshStatus(force: true)
            return
        }
        guard joined, !stopped else { return }
        let request = UUID().uuidString.lowercased()
        currentRequest = request
        lastStep1Sent = .now
        outbox.removeAll { if case .syncStep1 = $0.message { return true } else { return false } }
        outbox.insert(
            Outgoing(
                .syncStep1(
                    SyncRequest(
                        peer: peerID, request: request,
                        stateVector: stateVector))), at: 0)
        pump()
    }

    func answerLater(_ request: SyncRequest) async {
        // A viewer's answer would be an update from someone who may not write.
        guard !status.isReadOnly else { return }
        guard let theirs = try? StateVectorMap(decoding: request.stateVector) else {
            reject("\(CollabError.malformedMessage(event: CollabEventName.syncStep1, reason: "invalid state vector"))")
            return
        }
        pendingAnswers[request.request] = PendingAnswer(request: request)
        let jitter = Double.random(in: configuration.answerJitter)
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(jitter))
            await self?.answer(request.request)
        }
        // Both ways: if the requester has something this replica lacks, ask for it.
        if let vector = try? await replica.stateVector(), let ours = try? StateVectorMap(decoding: vector),
            theirs.isAhead(of: ours), joined
        {
            let now = ContinuousClock.now
            if lastStep1Sent.map({ now - $0 >= configuration.step1Cooldown }) ?? true {
                await sendStep1()
            }
        }
    }

    func answer(_ requestID: String) async {
        guard let pending = pendingAnswers.removeValue(forKey: requestID), joined, !stopped else { return }
        let request = pending.request
        let current = generation
        let ourVector: [UInt8]
        do {
            ourVector = try await replica.stateVector()
        } catch {
            setWarning("could not answer a sync request: \(error)")
            refreshStatus(force: true)
            return
        }
        if let ours = try? StateVectorMap(decoding: ourVector),
            let theirs = try? StateVectorMap(decoding: request.stateVector)
        {
            let covered = pending.answerStateVectors.contains { vector in
                guard let other = try? StateVectorMap(decoding: vector) else { return false }
                return ours.isCovered(by: theirs, other)
            }
            if covered {
                statistics.answersSkipped += 1
                return
            }
        }
        do {
            let diff = try await replica.encodeState(since: request.stateVector)
            // Left meanwhile: the requester asks again after our re-join.
            guard joined, !stopped, current == generation else { return }
            let limit = configuration.maxUpdateBytesPerBase64(stateVectorBytes: ourVector.count)
            let parts = try YUpdate.split(diff, maxBytes: limit)
            for (index, part) in parts.enumerated() {
                outbox.append(
                    Outgoing(
                        .syncStep2(
                            SyncAnswer(
                                peer: peerID, request: request.request, to: request.peer, update: part,
                                stateVector: ourVector, part: index, parts: parts.count))))
            }
            statistics.answersSent += 1
        } catch {
            setWarning("could not answer a sync request: \(error)")
            refreshStatus(force: true)
        }
        pump()
    }

    // MARK: - Presence and awareness

    func presenceChanged(_ event: PresenceChange) async {
        guard let channel else { return }
        if case let .leave(_, current, left) = event {
            let stillHere = Set(current.compactMap { $0["client_id"].flatMap(PresenceRoster.clientIDValue) })
            let gone = Set(left.compactMap { $0["client_id"].flatMap(PresenceRoster.clientIDValue) }).subtracting(
                stillHere)
            let allPresent = PresenceRoster.clientIDs(in: await channel.presenceState())
            if awareness.remove(clients: gone.subtracting(allPresent)) { publishCursors() }
        }
        if case let .join(_, _, joined) = event {
            if presenceSynced, joined.contains(where: { $0["sync"] == nil }) {
                scheduleWebCatchUp()
            }
            // Someone new: tell them where our caret is now rather than at the next
            // renewal (up to 15 s away); awareness has no "ask" message.
            if joined.contains(where: { $0["client_id"].flatMap(PresenceRoster.clientIDValue) != editorClientID }) {
                awarenessDirty = true
                scheduleAwareness()
            }
        }
        guard case .sync = event else { return }
        presenceSynced = true
        presence = await channel.presenceState()
        let users = PresenceRoster.users(from: presence, selfClientID: editorClientID)
        if users != onlineUsers {
            onlineUsers = users
            eventsContinuation.yield(.onlineUsers(users))
        }
    }

    func publishCursors() {
        let now = AwarenessStateFormat.cursors(from: awareness.remoteStates)
        guard now != cursors else { return }
        cursors = now
        eventsContinuation.yield(.cursors(now))
    }

    func checkAwareness(now: ContinuousClock.Instant) {
        guard now - lastAwarenessCheck >= configuration.awarenessCheckInterval else { return }
        lastAwarenessCheck = now
        if awareness.needsRenewal(now: now) {
            awareness.renew(now: now)
            awarenessDirty = true
            scheduleAwareness()
        }
        if awareness.expire(now: now) { publishCursors() }
    }

    // MARK: - Web clients

    /// A client that only knows `yjs-update` (the web app) joined. It loaded the
    /// document from the database, which may lack edits not saved yet, and it will
    /// never ask for them: one editor (the one with the lowest client id, after a
    /// short delay) broadcasts the whole state as ordinary `yjs-update`s. Yjs
    /// ignores what a receiver already has.
    func scheduleWebCatchUp() {
        guard catchUpTask == nil, !stopped else { return }
        let jitter = Double.random(in: configuration.answerJitter)
        catchUpTask = Task { [weak self] in
            try? await Task.sleep(for: .seconds(jitter))
            await self?.catchUpWebClients()
        }
    }

    func catchUpWebClients() async {
        catchUpTask = nil
        guard joined, !stopped, let channel else { return }
        let state = await channel.presenceState()
        let editors = state.values.joined()
            .filter { $0["sync"] != nil }
            .compactMap { $0["client_id"].flatMap(PresenceRoster.clientIDValue) }
        guard let elected = editors.min(), elected == editorClientID else { return }
        do {
            let whole = try await replica.encodeState(since: [])
            guard joined, !stopped else { return }
            let parts = try YUpdate.split(whole, maxBytes: configuration.maxUpdateBytesPerNumberArray)
            outbox.append(contentsOf: parts.map { Outgoing(.update($0)) })
            statistics.catchUps += 1
        } catch {
            setWarning("could not send the document to a web client: \(error)")
            refreshStatus(force: true)
        }
        pump()
    }
}
